package org.backrestsidecar.drill;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.progress.Progress;
import org.backrestsidecar.restic.Check;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.restic.Snapshot;
import org.backrestsidecar.restic.StoredSnapshot;
import org.backrestsidecar.restore.BackupSet;
import org.backrestsidecar.strategy.BackupFacts;
import org.backrestsidecar.strategy.SqliteTableCounts;
import org.backrestsidecar.volumes.Helper;
import org.backrestsidecar.volumes.Helpers;

/**
 * Files (volume, pause, stop, and the SQLite app's data) restored into a scratch folder of a
 * throwaway helper that has the repo and none of the target's volumes: every snapshot must restore,
 * hold the files and bytes it held when it was made, each SQLite database must pass
 * {@code PRAGMA integrity_check} with the table counts of its backup, and
 * {@code restic check --read-data-subset} must read the repo's data back intact. The helper image
 * is used, not the app's: the app image need not have restic or sqlite3, and files are checked, not run.
 */
@ApplicationScoped
public class FilesDrill implements TargetDrill {
    private static final String SCRATCH = "/drill";
    private final Helpers helpers;
    private final Check check;
    private final SidecarConfig config;
    private final AppStart appStart;

    public FilesDrill(Helpers helpers, Check check, SidecarConfig config, AppStart appStart) {
        this.appStart = appStart;
        this.helpers = helpers;
        this.check = check;
        this.config = config;
    }

    @Override
    public Set<String> strategies() {
        return Set.of("volume", "pause", "stop", "sqlite");
    }

    @Override
    public Outcome drill(Target target, RepoConfig repo, BackupSet backup, Optional<BackupFacts> facts,
                         Progress progress,
                         DrillNetwork network)
            throws Exception {
        List<Snapshot> sets = backup.fileSets();
        if (sets.isEmpty()) {
            throw new DrillFailed("backup " + backup.label() + " holds no files");
        }
        List<String> checks = new ArrayList<>();
        List<String> unproven = new ArrayList<>();
        double seconds;
        try (Helper scratch = startScratch(repo, target)) {
            Instant restoreStart = Instant.now();
            for (Snapshot s : sets) {
                try {
                    scratch.restoreAndVerify(s.id(), scratchOf(s), target.timeout());
                } catch (ResticException e) {
                    throw new DrillFailed("snapshot " + s.shortId() + " does not restore: " + e.getMessage());
                }
            }
            seconds = Duration.between(restoreStart, Instant.now()).toMillis() / 1000.0;
            // the time includes the read back of what was written: the measured restore is on the slow side
            checks.add(sets.size() + " snapshots restored and verified (restic restore --verify: every file read "
                    + "back from the disk and matched)");
            for (Snapshot s : sets) {
                // by the id it was made with: a drill from a copy restores the copy's snapshot of it
                Optional<StoredSnapshot> made = facts.flatMap(f -> f.snapshots().stream()
                        .filter(m -> s.madeAs().startsWith(m.id()) || m.id().startsWith(s.madeAs())).findFirst());
                if (made.isEmpty()) {
                    TargetDrill.unproven(checks, unproven, String.join(" ", s.paths())
                            + ": no file count was recorded; restore checked only");
                    continue;
                }
                List<String> command = new ArrayList<>(List.of("sh", "-c",
                        "find \"$@\" -type f -printf '%s\\n' | awk '{n++; s+=$1} END {print n+0, s+0}'", "count"));
                s.paths().forEach(p -> command.add(scratchOf(s) + p));
                String[] counted = scratch.output(command, target.timeout()).strip().split(" ");
                checks.add(Counts.match(String.join(" ", s.paths()), Map.of("files", made.get().files(), "bytes",
                        made.get().bytesProcessed()), Map.of("files", Long.parseLong(counted[0]), "bytes",
                        Long.parseLong(counted[1]))));
            }
            for (Map.Entry<String, Map<String, Long>> db : facts.map(BackupFacts::counts).orElse(Map.of()).entrySet()) {
                Snapshot holder = backup.holding(db.getKey()).orElseThrow(() -> new DrillFailed(
                        "backup " + backup.label() + " holds no copy of " + db.getKey()));
                String copy = scratchOf(holder) + db.getKey();
                String integrity = scratch.output(List.of("sqlite3", "-readonly", copy, "PRAGMA integrity_check;"),
                        target.timeout()).strip();
                if (!integrity.equals("ok")) {
                    throw new DrillFailed(db.getKey() + " fails PRAGMA integrity_check: " + integrity);
                }
                checks.add(db.getKey() + ": integrity_check ok");
                SqliteTableCounts.Read restored = SqliteTableCounts.of(c -> scratch.output(c, target.timeout()), copy);
                checks.add(Counts.match(db.getKey() + " rows per table", db.getValue(), restored.counts()));
                Map<String, Long> summed = facts.get().contentSums().get(db.getKey());
                if (summed == null) {
                    TargetDrill.unproven(checks, unproven, db.getKey() + ": no content sums were recorded with this "
                            + "backup; counts checked only");
                } else {
                    checks.add(Counts.sameContent(db.getKey(), summed, restored.sums(), "copied", "a SHA3 of every row"));
                }
            }
        }
        if (AppStart.asked(target)) {
            checks.add(appStart.startsOn(target, repo, sets, network));
        }
        try {
            check.check(repo, Optional.of(config.drills().dataSubset()));
            checks.add("restic check --read-data-subset=" + config.drills().dataSubset() + " of repo " + repo.id()
                    + ": no errors");
        } catch (ResticException e) {
            throw new DrillFailed("restic check --read-data-subset=" + config.drills().dataSubset() + " of repo "
                    + repo.id() + " found errors: " + e.getMessage());
        }
        return new Outcome(seconds, checks, unproven);
    }

    /** Each snapshot in a folder of its own, so that one's files are not counted as another's. */
    private static String scratchOf(Snapshot s) {
        return SCRATCH + "/" + s.shortId();
    }

    private Helper startScratch(RepoConfig repo, Target target) throws DrillCouldNotRun {
        try {
            return helpers.startScratch(repo, target.name());
        } catch (IOException e) {
            throw new DrillCouldNotRun("no scratch helper for " + target.name() + ": " + e.getMessage());
        }
    }
}
