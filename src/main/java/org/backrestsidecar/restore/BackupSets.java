package org.backrestsidecar.restore;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.restic.Snapshots;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.restic.Snapshot;
import org.backrestsidecar.restic.SnapshotTags;
import org.backrestsidecar.strategy.BackupFacts;

/** Finds a target's backups in its repo: the latest, or the one a snapshot id belongs to. */
@ApplicationScoped
public class BackupSets {
    public static final String LATEST = "latest";
    private final Snapshots snapshots;
    private final ObjectMapper json;

    public BackupSets(Snapshots snapshots, ObjectMapper json) {
        this.snapshots = snapshots;
        this.json = json;
    }

    /**
     * @param snapshot {@code latest} (the newest run of the target's plan) or a snapshot id (short or
     *                 long; a safety snapshot's too)
     * @throws NoSuchElementException naming what was looked for (the API's 404)
     */
    public BackupSet find(RepoConfig repo, String target, String plan, String snapshot) throws ResticException {
        List<Snapshot> all = snapshots.snapshotsOf(repo, target);
        Snapshot chosen;
        if (snapshot == null || snapshot.isBlank() || snapshot.equals(LATEST)) {
            chosen = newest(all, target, plan).orElseThrow(() -> new NoSuchElementException("target " + target
                    + " has no backup in repo " + repo.id() + " yet"));
        } else {
            List<Snapshot> matching = all.stream().filter(s -> s.id().startsWith(snapshot)).toList();
            if (matching.size() != 1 || snapshot.length() < 4) {
                throw new NoSuchElementException("no snapshot " + snapshot + " of target " + target + " in repo "
                        + repo.id() + (matching.size() > 1 ? " (the id is ambiguous; give more of it)" : ""));
            }
            chosen = matching.get(0);
        }
        Optional<String> label = chosen.tag("run").map(r -> "run:" + r)
                .or(() -> chosen.tag("restore").map(r -> "restore:" + r));
        List<Snapshot> members = label.map(l -> all.stream().filter(s -> s.tags().contains(l))
                        .sorted(Comparator.comparing(Snapshot::time)).toList())
                .orElse(List.of(chosen));
        return new BackupSet(target, label.orElse(chosen.shortId()), chosen.time(), members);
    }

    /**
     * Every backup of a target, newest first: the snapshots of each run (and of each restore's safety
     * copy) together, as a restore takes them.
     */
    public List<BackupSet> list(RepoConfig repo, String target) throws ResticException {
        java.util.Map<String, List<Snapshot>> byLabel = new java.util.LinkedHashMap<>();
        for (Snapshot s : snapshots.snapshotsOf(repo, target)) {
            if (s.tags().contains(SnapshotTags.WAL)) {
                continue; // a chain's WAL is restored with its base backup, to a moment (pitr/)
            }
            String label = s.tag("run").map(r -> "run:" + r).or(() -> s.tag("restore").map(r -> "restore:" + r))
                    .orElse(s.shortId());
            byLabel.computeIfAbsent(label, l -> new java.util.ArrayList<>()).add(s);
        }
        return byLabel.entrySet().stream().map(e -> new BackupSet(target, e.getKey(),
                        e.getValue().stream().map(Snapshot::time).max(Comparator.naturalOrder()).orElseThrow(),
                        e.getValue().stream().sorted(Comparator.comparing(Snapshot::time)).toList()))
                .sorted(Comparator.comparing(BackupSet::time).reversed()).toList();
    }

    /**
     * The newest snapshot of the newest complete run of a target among {@code all} (its snapshots):
     * complete means its facts file was stored, which a run does last and only when every part of the
     * target's backup was stored. A target whose backups keep no facts (host paths, older backups)
     * gets its newest run.
     */
    public static Optional<Snapshot> newest(List<Snapshot> all, String target, String plan) {
        List<Snapshot> ofPlan = all.stream().filter(s -> s.tags().contains(SnapshotTags.planTag(plan)))
                .sorted(Comparator.comparing(Snapshot::time).reversed()).toList();
        List<String> factsPath = List.of("/" + BackupFacts.pathOf(target));
        return ofPlan.stream().filter(s -> s.tag("run").map(run -> ofPlan.stream().anyMatch(
                        other -> other.tags().contains("run:" + run) && other.paths().equals(factsPath))).orElse(false))
                .findFirst().or(() -> ofPlan.stream().findFirst());
    }

    /** The newest complete run of one target: its newest snapshot and every snapshot of the run. */
    public record NewestRun(String plan, String target, Snapshot newest, List<Snapshot> members) {
        public String run() {
            return newest.tag("run").orElse(newest.shortId());
        }
    }

    /**
     * Per plan and target, the newest complete run among {@code all} (a repo's or a copy's
     * snapshots), safety snapshots left out; ordered by plan, then target.
     */
    public static List<NewestRun> newestRuns(List<Snapshot> all) {
        java.util.Map<List<String>, List<Snapshot>> byTarget = new java.util.TreeMap<>(
                Comparator.comparing(Object::toString));
        for (Snapshot s : all) {
            if (!s.tags().contains(SnapshotTags.SAFETY) && !s.tags().contains(SnapshotTags.WAL)) {
                s.tag("plan").ifPresent(plan -> s.tag("target").ifPresent(target ->
                        byTarget.computeIfAbsent(List.of(plan, target), k -> new java.util.ArrayList<>()).add(s)));
            }
        }
        List<NewestRun> out = new java.util.ArrayList<>();
        byTarget.forEach((key, snapshots) -> newest(snapshots, key.get(1), key.get(0)).ifPresent(newest -> {
            List<Snapshot> members = newest.tag("run").map(run -> snapshots.stream()
                    .filter(s -> s.tags().contains("run:" + run)).toList()).orElse(List.of(newest));
            out.add(new NewestRun(key.get(0), key.get(1), newest, members));
        }));
        return out;
    }

    /** The facts recorded with the backup, or empty for a backup made before facts were kept. */
    public Optional<BackupFacts> facts(RepoConfig repo, BackupSet set) throws ResticException {
        Optional<Snapshot> holder = set.holding(BackupFacts.pathOf(set.target()));
        if (holder.isEmpty()) {
            return Optional.empty();
        }
        byte[] facts = snapshots.read(repo, holder.get().id(), "/" + BackupFacts.pathOf(set.target()));
        try {
            return Optional.of(json.readValue(facts, BackupFacts.class));
        } catch (IOException e) {
            throw new ResticException("the facts of " + set.label() + " cannot be read: " + e.getMessage());
        }
    }
}
