package org.backrestsidecar.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lines the management script reads: the outcome first, the target fourth, the state last. */
class RecoveryTextTest {
    @Test
    void stepLinesCarryOutcomeAndTargetWhereTheScriptLooks() {
        RecoveryJob job = new RecoveryJob("j", "offsite", "restore");
        Instant start = Instant.now();
        job.step("restore postgres", RecoveryJob.Outcome.SUCCEEDED, "run:r1", Instant.parse("2026-11-21T02:00:00Z"),
                start, "database app");
        job.step("restore redis", RecoveryJob.Outcome.FAILED, null, null, start, "two\nlines");
        job.finish();
        List<String> lines = RecoveryText.job(job.report()).lines().toList();
        assertEquals(3, lines.size(), lines.toString());
        String[] first = lines.get(0).trim().split("\\s+");
        assertEquals(List.of("SUCCEEDED", "restore", "postgres"), List.of(first[0], first[2], first[3]));
        assertTrue(lines.get(0).contains("from run:r1 of 2026-11-21T02:00:00Z: database app"), lines.get(0));
        assertTrue(lines.get(1).startsWith("FAILED") && lines.get(1).endsWith("two lines"), lines.get(1));
        assertTrue(lines.get(2).startsWith("FAILED in "), "one failed step fails the job: " + lines.get(2));
    }

    @Test
    void holdingsSayWhatCannotBeRead() {
        Holdings h = new Holdings("offsite", List.of(
                new Holdings.Repo("critical", "sftp:x", 3, -1, null, List.of(new Holdings.Target("critical", "postgres",
                        "r1", Instant.parse("2026-11-21T02:00:00Z"), List.of("/postgres/app.dump")))),
                new Holdings.Repo("models", "s3:y", -1, 0, "wrong password\nmore", List.of())));
        String text = RecoveryText.holdings(h, Instant.parse("2026-11-21T05:30:00Z"));
        assertTrue(text.contains("this host's repo does not exist yet"), text);
        assertTrue(text.contains("postgres") && text.contains("(3 h 30 min ago)"), text);
        assertTrue(text.contains("repo models <- s3:y: CANNOT BE READ: wrong password\n"), text);
    }
}
