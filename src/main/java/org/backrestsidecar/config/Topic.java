package org.backrestsidecar.config;

import java.util.Arrays;
import java.util.Optional;

/** What a notice is about; channels choose topics by these names ({@code events: [backup-failed]}). */
public enum Topic {
    BACKUP_FAILED("backup-failed"),
    PLAN_LATE("plan-late"),
    DRILL_FAILED("drill-failed"),
    CHECK_FAILED("check-failed"),
    DISK_FULL("disk-full"),
    CONTAINERS_RECOVERED("containers-recovered"),
    RESTORE("restore"),
    BACKREST_OUT_OF_STEP("backrest-out-of-step"),
    COPY_FAILED("copy-failed"),
    TEST("test");

    /** {@code all}: every notice; {@code failures}: problems and their recoveries, no news. */
    public static final String ALL = "all";
    public static final String FAILURES = "failures";

    private final String id;

    Topic(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Optional<Topic> byId(String id) {
        return Arrays.stream(values()).filter(t -> t.id.equals(id)).findFirst();
    }
}
