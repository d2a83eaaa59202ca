package org.backrestsidecar.restic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.Retention;
import org.backrestsidecar.testing.LocalRestic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Retention against real restic: with more snapshots than the tiers keep, forget leaves exactly the
 * ones the tiers name, and never touches another plan's snapshots.
 */
// In the end-to-end suite (pom.xml engine.only.tests), beside its chain as the Swarm test is: it needs
// the engine and no sidecar. Its own cases one after the other.
@Execution(ExecutionMode.CONCURRENT)
class RetentionTest {
    @TempDir
    Path dir;

    private RepoConfig repo;
    private Repository repository;
    private Snapshots snapshots;
    private Forget forget;
    private Check check;

    @org.junit.jupiter.api.BeforeEach
    void repo() throws Exception {
        Path key = dir.resolve("key");
        Files.writeString(key, "retention-test-key-0123456789\n");
        repo = new RepoConfig("r", dir.resolve("repo").toString(), key, Map.of());
        ResticCommand restic = LocalRestic.command(dir, List.of(repo),
                List.of(new PlanConfig("db", "r", "0 2 * * *", Retention.DEFAULT, List.of(), Optional.empty())));
        repository = new Repository(restic);
        snapshots = new Snapshots(restic);
        forget = new Forget(restic, snapshots);
        check = new Check(restic);
        repository.ensureInitialized(repo);
    }

    /** A run only forgets; the data goes at the scheduled prune (a prune after every run cost more than the backup). */
    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void forgetLeavesTheDataForTheScheduledPrune() throws Exception {
        for (String day : List.of("2026-11-20", "2026-11-19", "2026-11-18", "2026-11-17")) {
            snapshot(repo, "plan:db", day);
        }
        long packs = packs();
        ForgetResult result = forget.forget(repo, "db", new Retention(1, 0, 0, 0, 0));
        assertEquals(3, result.removed().size());
        assertEquals(packs, packs(), "forget rewrites no pack");
        forget.prune(repo, Optional.of("0%"));
        assertEquals(true, packs() < packs, "prune removed the forgotten snapshots' data");
        check.check(repo, Optional.empty());
    }

    private long packs() throws java.io.IOException {
        try (var files = Files.walk(dir.resolve("repo/data"))) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void forgetKeepsExactlyWhatTheTiersSay() throws Exception {

        List<String> times = List.of("2026-11-20", "2026-11-19", "2026-11-18", "2026-11-17", "2026-11-10",
                "2026-11-03", "2026-10-15", "2026-09-15", "2025-06-01", "2024-06-01");
        for (String day : times) {
            snapshot(repo, "plan:db", day);
        }
        snapshot(repo, "plan:other", "2020-01-01");
        String oldSafety = java.time.LocalDate.now(ZoneId.of("UTC")).minusDays(40).toString();
        String recentSafety = java.time.LocalDate.now(ZoneId.of("UTC")).minusDays(2).toString();
        snapshot(repo, "safety", oldSafety);
        snapshot(repo, "safety", recentSafety);

        ForgetResult result = forget.forget(repo, "db", new Retention(3, 2, 2, 1, 0));

        // daily 3: 20, 19, 18; weekly 2: week of the 20th, then the 10th; monthly 2: November, then
        // 15 October; yearly 1: 2026 (already kept by the 20th)
        assertEquals(List.of("2026-10-15", "2026-11-10", "2026-11-18", "2026-11-19", "2026-11-20"),
                days(snapshots.snapshots(repo, List.of("plan:db"))));
        assertEquals(5, result.kept().size());
        assertEquals(5, result.removed().size());
        assertEquals(List.of("2020-01-01"), days(snapshots.snapshots(repo, List.of("plan:other"))),
                "another plan's snapshots are not this plan's to forget");
        assertEquals(List.of(oldSafety, recentSafety), days(snapshots.snapshots(repo, List.of("safety"))),
                "a plan's forget leaves safety snapshots alone");
        assertEquals(1, forget.expireSafetySnapshots(repo));
        assertEquals(List.of(recentSafety), days(snapshots.snapshots(repo, List.of("safety"))),
                "safety snapshots go (before the scheduled prune) 30 days after they were taken");
    }

    /**
     * A wal-mode target's base backups: every one within the daily tier stays, a day's earlier ones
     * too (each starts a chain whose moments only it restores); a dump target of the same plan keeps
     * one a day, as before.
     */
    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void everyBaseBackupWithinTheDailyTierIsKept() throws Exception {
        for (String at : List.of("2026-11-20 14:00:00", "2026-11-20 02:00:00", "2026-11-19 09:00:00",
                "2026-11-19 02:00:00", "2026-11-10 02:00:00")) {
            snapshot(repo, "plan:db,wal-base", "pg/base.tar", at);
            snapshot(repo, "plan:db", "db/app.dump", at);
        }
        ForgetResult result = forget.forget(repo, "db", new Retention(3, 0, 0, 0, 0));

        assertEquals(List.of("2026-11-19 02:00", "2026-11-19 09:00", "2026-11-20 02:00", "2026-11-20 14:00"),
                times(snapshots.snapshots(repo, List.of("wal-base"))), "every base backup of the last 3 days");
        assertEquals(List.of("2026-11-10 02:00", "2026-11-19 09:00", "2026-11-20 14:00"),
                times(snapshots.snapshots(repo, List.of("plan:db")).stream().filter(s -> !s.tags().contains("wal-base"))
                        .toList()), "the dumps: the newest of each of the last 3 days that have one");
        assertEquals(7, result.kept().size(), result.kept().toString());
        assertEquals(3, result.removed().size());
    }

    private static void snapshot(RepoConfig repo, String tag, String day) throws Exception {
        snapshot(repo, tag, "db/app.dump", day + " 02:00:00");
    }

    private static void snapshot(RepoConfig repo, String tags, String file, String time) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(List.of("restic", "--repo", repo.uri(), "--password-file",
                repo.keyFile().toString(), "--no-cache", "backup", "--stdin", "--stdin-filename", file, "--host", "host",
                "--time", time));
        for (String tag : tags.split(",")) {
            command.addAll(List.of("--tag", tag));
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().write(("dump of " + time).getBytes());
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new AssertionError("restic backup failed: " + out);
        }
    }

    private static List<String> times(List<Snapshot> snapshots) {
        java.time.format.DateTimeFormatter f = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");
        return snapshots.stream().map(s -> f.format(s.time().atZone(ZoneId.systemDefault()))).sorted().toList();
    }

    private static List<String> days(List<Snapshot> snapshots) {
        return snapshots.stream().map(s -> s.time().atZone(ZoneId.systemDefault()).toLocalDate().toString())
                .sorted().toList();
    }

}
