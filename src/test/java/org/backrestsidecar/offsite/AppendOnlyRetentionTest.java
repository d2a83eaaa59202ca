package org.backrestsidecar.offsite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.backrestsidecar.config.CopyConfig;
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.Retention;
import org.junit.jupiter.api.Test;

/** The retention an append-only copy's server runs, and the wider one the sidecar counts with. */
class AppendOnlyRetentionTest {

    @Test
    void theTiersBecomeSpansOfTimeAndTheGraceWidensEach() {
        record Row(Retention tiers, int grace, List<String> flags) {
        }
        for (Row row : List.of(
                new Row(Retention.DEFAULT, 0, List.of("--keep-within-daily", "30d", "--keep-within-weekly", "84d",
                        "--keep-within-monthly", "12m", "--keep-within-yearly", "5y")),
                new Row(Retention.DEFAULT, 7, List.of("--keep-within-daily", "37d", "--keep-within-weekly", "91d",
                        "--keep-within-monthly", "12m7d", "--keep-within-yearly", "5y7d")),
                new Row(new Retention(3, 0, 0, 0, 0), 0, List.of("--keep-within-daily", "3d")),
                // a count of the newest keeps its count: it only adds to what the spans keep
                new Row(new Retention(0, 2, 0, 0, 5), 7, List.of("--keep-last", "5", "--keep-within-weekly", "21d")))) {
            assertEquals(row.flags(), row.tiers().forgetFlagsWithin(row.grace()), row.toString());
        }
    }

    @Test
    void eachPlanOfTheRepoIsForgottenByItsOwnTiersUnlessTheCopyHasItsOwn() {
        RepoConfig repo = repo("critical");
        List<PlanConfig> plans = List.of(plan("critical", "critical", new Retention(10, 0, 0, 0, 0)),
                plan("models", "models", Retention.DEFAULT), plan("system", "critical", new Retention(0, 4, 0, 0, 0)));
        List<List<String>> byPlan = AppendOnlyRetention.forgets(plans, repo, copy(repo, Optional.empty()), 0);
        assertEquals(List.of(
                List.of("forget", "--tag", "plan:critical", "--group-by", "host,paths", "--keep-within-daily", "10d",
                        "--keep-tag", "wal", "--keep-tag", "wal-base"),
                List.of("forget", "--tag", "plan:system", "--group-by", "host,paths", "--keep-within-weekly", "28d",
                        "--keep-tag", "wal", "--keep-tag", "wal-base"),
                List.of("forget", "--tag", "safety", "--group-by", "host,paths", "--keep-within", "30d")), byPlan);
        List<List<String>> copysOwn = AppendOnlyRetention.forgets(plans, repo,
                copy(repo, Optional.of(new Retention(3, 0, 0, 0, 0))), AppendOnlyRetention.GRACE_DAYS);
        assertEquals(List.of("--keep-within-daily", "10d"), copysOwn.get(0).subList(5, 7), "3 days and the week's grace");
        assertEquals(List.of("--keep-within", "7d"), copysOwn.get(0).subList(7, 9),
                "and within the week every snapshot, a second one of a day too");
    }

    @Test
    void theScriptStopsBeforeAnyForgetWhenASnapshotIsDatedAfterTheServersClock() {
        RepoConfig repo = repo("critical");
        String script = AppendOnlyRetention.script(List.of(plan("critical", "critical", Retention.DEFAULT)), repo,
                copy(repo, Optional.empty()));
        int guard = script.indexOf("after this server's clock");
        int forget = script.indexOf("restic forget --tag plan:critical");
        assertTrue(guard > 0 && forget > guard, script);
        assertTrue(script.endsWith("restic prune\n"), script);
        assertTrue(!script.contains("--keep-within 7d"), "the retention itself has no grace: " + script);
    }

    private static RepoConfig repo(String id) {
        return new RepoConfig(id, "/repos/" + id, java.nio.file.Path.of("/keys/" + id), Map.of(), Map.of(), Map.of(),
                List.of());
    }

    private static CopyConfig copy(RepoConfig repo, Optional<Retention> retention) {
        return new CopyConfig("vault", repo("critical/vault"), Optional.empty(), retention, OptionalInt.empty(),
                OptionalInt.empty(), true, true);
    }

    private static PlanConfig plan(String id, String repo, Retention retention) {
        return new PlanConfig(id, repo, "0 2 * * *", retention, List.of(), Optional.empty());
    }
}
