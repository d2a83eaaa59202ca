package org.backrestsidecar.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.backrestsidecar.config.AccessConfig;
import org.backrestsidecar.config.DrillConfig;
import org.backrestsidecar.config.NotificationsConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit log on disk: lines are only ever appended; a full file is renamed, never rewritten. */
class AuditLogTest {
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    @TempDir
    Path state;

    private AuditLog log(long maxBytes, int keep) {
        SidecarConfig config = new SidecarConfig(state.resolve("sidecar.yml"), "host", "backup", Optional.empty(),
                ZoneId.of("UTC"), state, Optional.empty(), Optional.empty(), List.of(), List.of(), DrillConfig.DEFAULT,
                NotificationsConfig.DEFAULT, AccessConfig.DEFAULT);
        return new AuditLog(config, JSON, maxBytes, keep);
    }

    private static AuditLog.Entry entry(int n) {
        return new AuditLog.Entry(Instant.parse("2026-11-21T10:00:00Z").plusSeconds(n), "vera", "viewer", "10.0.0.7",
                "POST", "/api/plans/critical/runs", 403, "forbidden", "entry " + n);
    }

    @Test
    void fullFilesAreRotatedByRenameAndTheOldestBeyondKeepIsRemoved() throws Exception {
        AuditLog audit = log(600, 3);
        for (int n = 0; n < 30; n++) {
            audit.append(entry(n));
        }
        Path dir = state.resolve("audit");
        assertTrue(Files.exists(dir.resolve("audit.log.1")) && Files.exists(dir.resolve("audit.log.3")));
        assertFalse(Files.exists(dir.resolve("audit.log.4")), "keep 3");
        List<AuditLog.Entry> all = audit.read(null, 10_000);
        assertEquals(entry(29), all.get(all.size() - 1), "the newest last");
        for (int i = 1; i < all.size(); i++) {
            assertTrue(all.get(i - 1).at().isBefore(all.get(i).at()), "in order, none twice");
        }
        assertTrue(all.size() < 30 && all.size() >= 9, "the oldest rotated away, the rest kept: " + all.size());
        audit.append(entry(30));
        assertTrue(Files.readString(dir.resolve("audit.log")).endsWith(JSON.writeValueAsString(entry(30)) + "\n"),
                "appended as one JSON line");
        String rotated = Files.readString(dir.resolve("audit.log.1"));
        int n = 31;
        while (Files.readString(dir.resolve("audit.log.1")).equals(rotated)) {
            audit.append(entry(n++));
        }
        assertEquals(rotated, Files.readString(dir.resolve("audit.log.2")), "a rotated file moves up unchanged");
    }

    @Test
    void sinceAndLimitChooseTheNewest() throws Exception {
        AuditLog audit = log(1 << 20, 10);
        for (int n = 0; n < 10; n++) {
            audit.append(entry(n));
        }
        assertEquals(List.of(entry(7), entry(8), entry(9)), audit.read(entry(5).at(), 3));
        assertEquals(List.of(entry(5), entry(6), entry(7), entry(8), entry(9)), audit.read(entry(5).at(), 100));
    }
}
