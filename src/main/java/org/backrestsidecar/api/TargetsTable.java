package org.backrestsidecar.api;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * The targets as a table ({@code backrest-management.sh targets}): what each container is backed up
 * as, in which plan, whether it can be, and how its last backup went. Label problems and the last
 * error follow the table, one target per line.
 */
final class TargetsTable {
    private static final List<String> HEADER = List.of("TARGET", "CONTAINER", "PLAN", "STRATEGY", "STATE",
            "LAST BACKUP");

    private TargetsTable() {
    }

    static String render(List<TargetsResource.TargetView> targets, ZoneId zone) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(HEADER);
        List<String> why = new ArrayList<>();
        for (TargetsResource.TargetView t : targets) {
            String last = t.lastOutcome() == null ? "-"
                    : (t.lastOutcome().equals("SUCCEEDED") ? "ok" : "FAILED") + ", " + StatusTable.at(t.lastBackupAt(), zone);
            rows.add(List.of(t.name(), t.container(), t.plan() == null ? "-" : t.plan(),
                    t.strategy() == null ? "-" : t.strategy(), t.status(), last));
            if (!t.problems().isEmpty()) {
                why.add(t.name() + ": " + String.join("; ", t.problems()));
            } else if (t.lastError() != null) {
                why.add(t.name() + ": last backup failed: " + t.lastError());
            }
        }
        return TextTable.render(rows, why, zone);
    }
}
