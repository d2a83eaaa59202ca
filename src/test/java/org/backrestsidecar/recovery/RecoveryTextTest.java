package org.backrestsidecar.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lines a person reads (the outcome first, the state last) and the ledger the management script keeps. */
class RecoveryTextTest {
    @Test
    void stepLinesCarryOutcomeAndTargetWhereTheScriptLooks() {
        RecoveryJob job = new RecoveryJob("j", "offsite", "restore");
        Instant start = Instant.now();
        job.restore("postgres", RecoveryJob.Outcome.SUCCEEDED, "run:r1", Instant.parse("2026-11-21T02:00:00Z"),
                start, "database app");
        job.restore("redis", RecoveryJob.Outcome.FAILED, null, null, start, "two\nlines");
        job.finish();
        List<String> lines = RecoveryText.job(job.report()).lines().toList();
        assertEquals(3, lines.size(), lines.toString());
        String[] first = lines.get(0).trim().split("\\s+");
        assertEquals(List.of("SUCCEEDED", "restore", "postgres"), List.of(first[0], first[2], first[3]));
        assertTrue(lines.get(0).contains("from run:r1 of 2026-11-21T02:00:00Z: database app"), lines.get(0));
        assertTrue(lines.get(1).startsWith("FAILED") && lines.get(1).endsWith("two lines"), lines.get(1));
        assertTrue(lines.get(2).startsWith("FAILED in "), "one failed step fails the job: " + lines.get(2));
    }

    /** Each case: the steps a job recorded (as "OUTCOME name target node"), and the ledger it gives. */
    @Test
    void theLedgerSaysWhatWasRestoredOrSkippedAndWhere() {
        record Case(String why, List<String> steps, String ledger) {
        }
        for (Case c : List.of(
                new Case("Compose: a target restored, one skipped, one failed (tried again next time), the pull",
                        List.of("SUCCEEDED postgres -", "SKIPPED redis -", "FAILED webui -", "SUCCEEDED - -"),
                        "restored postgres\nskipped redis\n"),
                new Case("a swarm: each node's steps, named with their node; a node that did not answer",
                        List.of("SUCCEEDED postgres node1", "SKIPPED notes node2", "FAILED - node3",
                                "FAILED redis -"),
                        "restored postgres on node1\nskipped notes on node2\n"),
                new Case("nothing held: no target step at all", List.of("FAILED - -"), ""))) {
            RecoveryJob job = new RecoveryJob("j", "offsite", "restore");
            for (String step : c.steps()) {
                String[] f = step.split(" ");
                RecoveryJob.Outcome outcome = RecoveryJob.Outcome.valueOf(f[0]);
                RecoveryJob local = new RecoveryJob("n", "offsite", "restore");
                if (f[1].equals("-")) {
                    local.step("restore", outcome, Instant.now(), "a step of no target");
                } else {
                    local.restore(f[1], outcome, Instant.now(), "detail");
                }
                RecoveryJob.Step taken = local.report().steps().get(0);
                job.add(f[2].equals("-") ? taken : taken.on(f[2]));
            }
            job.finish();
            assertEquals(c.ledger(), RecoveryText.ledger(job.report()), c.why());
        }
    }

    @Test
    void aNodesStepKeepsItsTargetAndNamesItsNode() {
        RecoveryJob node = new RecoveryJob("n", "offsite", "restore");
        node.restore("notes", RecoveryJob.Outcome.SUCCEEDED, "run:r2", Instant.parse("2026-11-21T02:00:00Z"),
                Instant.now(), "");
        RecoveryJob.Step on = node.report().steps().get(0).on("node2");
        assertEquals("restore notes on node2", on.name());
        assertEquals(List.of("notes", "node2", "run:r2"), List.of(on.target(), on.node(), on.backup()));
    }

    @Test
    void heldListsEachTargetWithItsPlanOnceAcrossRepos() {
        Instant t = Instant.parse("2026-11-21T02:00:00Z");
        Holdings h = new Holdings("offsite", List.of(
                new Holdings.Repo("critical", "sftp:x", 3, 3, null, List.of(
                        new Holdings.Target("critical", "redis", "r1", t, List.of()),
                        new Holdings.Target("critical", "postgres", "r1", t, List.of()))),
                new Holdings.Repo("models", "s3:y", -1, 0, "wrong password", List.of()),
                new Holdings.Repo("system", "s3:z", 2, 2, null, List.of(
                        new Holdings.Target("system", "notes", "r2", t, List.of())))));
        assertEquals("notes system\npostgres critical\nredis critical\n", RecoveryText.held(h));
        assertEquals("", RecoveryText.held(new Holdings("offsite", List.of())));
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
