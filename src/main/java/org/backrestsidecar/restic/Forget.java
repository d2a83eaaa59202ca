package org.backrestsidecar.restic;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.Retention;

/** {@code restic forget} (a plan's tiers, expired safety snapshots, rejected ones) and {@code prune}. */
@ApplicationScoped
public class Forget {
    /** How long a safety snapshot (taken before a restore overwrote live data) is kept. */
    public static final Duration SAFETY_KEEP = Duration.ofDays(30);
    private final ResticCommand restic;
    private final Snapshots snapshots;

    public Forget(ResticCommand restic, Snapshots snapshots) {
        this.restic = restic;
        this.snapshots = snapshots;
    }

    /**
     * Applies a plan's tiers to that plan's snapshots only, per host and path (one series per dumped
     * database or file set). The data goes at the next prune (prune/Prunes, on its own schedule):
     * pruning after every run read every index and repacked, which on a month-old repo cost more than
     * the backup. What is kept is returned whole, so a run needs no second listing to count it.
     */
    public ForgetResult forget(RepoConfig repo, String plan, Retention retention) throws ResticException {
        return forget(repo, plan, retention, java.util.Optional.empty(), ResticCommand.LOCK_WAIT);
    }

    /**
     * @param host when present, only that host's snapshots: in a swarm each node thins its own series
     *             and never removes what another node is writing
     * @param lockWait how long another restic's lock is waited for
     */
    public ForgetResult forget(RepoConfig repo, String plan, Retention retention, java.util.Optional<String> host,
                               java.time.Duration lockWait) throws ResticException {
        List<String> hostOnly = host.map(h -> List.of("--host", h)).orElse(List.of());
        List<String> args = new ArrayList<>(List.of("forget", "--json", "--tag", SnapshotTags.planTag(plan),
                "--group-by", "host,paths"));
        args.addAll(hostOnly);
        args.addAll(retention.forgetFlags());
        // a chain's WAL lives as long as its base backup, which restic/WalRetention decides; base backups
        // have tiers of their own (below)
        args.addAll(List.of("--keep-tag", "wal", "--keep-tag", SnapshotTags.WAL_BASE));
        List<Snapshot> kept = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        collect(restic.runWaiting(repo, ResticCommand.LONG, lockWait, args.toArray(String[]::new)), kept, removed);
        if (kept.stream().anyMatch(s -> s.tags().contains(SnapshotTags.WAL_BASE))) {
            // every base backup within the daily tier, not only each day's newest: a second one on the
            // same day (a manual run, the one after a restore) would otherwise cost the earlier one and
            // with it the moments of that day before the second
            List<String> bases = new ArrayList<>(List.of("forget", "--dry-run", "--no-lock", "--json", "--tag",
                    SnapshotTags.planTag(plan) + "," + SnapshotTags.WAL_BASE, "--group-by", "host,paths"));
            bases.addAll(hostOnly);
            bases.addAll(retention.forgetFlagsKeepingEachDaily());
            List<Snapshot> basesKept = new ArrayList<>();
            List<Snapshot> basesPast = new ArrayList<>();
            collectWhole(restic.runWaiting(repo, ResticCommand.LONG, lockWait, bases.toArray(String[]::new)),
                    basesKept, basesPast);
            List<String> basesRemoved = pastTiersAndNotNeeded(basesKept, basesPast);
            forgetSnapshots(repo, basesRemoved, lockWait);
            kept.removeIf(s -> basesRemoved.contains(s.id()));
            removed.addAll(basesRemoved);
        }
        return new ForgetResult(kept, removed);
    }

    /**
     * The snapshots {@code restic forget} with {@code forgetArgs} (from {@code forget} on) would remove;
     * nothing is removed and no lock taken ({@code --dry-run --no-lock}: it only reads), so it runs on a
     * repo whose server refuses deletes, or on a primary another restic holds.
     */
    public List<String> wouldRemove(RepoConfig repo, List<String> forgetArgs) throws ResticException {
        List<String> args = new ArrayList<>(forgetArgs);
        args.addAll(1, List.of("--dry-run", "--no-lock", "--json"));
        List<String> removed = new ArrayList<>();
        collect(restic.run(repo, ResticCommand.QUICK, args.toArray(String[]::new)), new ArrayList<>(), removed);
        return removed;
    }

    /**
     * Of the base backups' snapshots past their tiers, those no kept one needs: an incremental base
     * backup (Postgres 17+) is restored on top of its parent, and that on its own, back to a full one,
     * so every run a kept base descends from stays whole (base, manifest and facts), whatever its age.
     */
    static List<String> pastTiersAndNotNeeded(List<Snapshot> kept, List<Snapshot> past) {
        BaseChains chains = BaseChains.of(java.util.stream.Stream.concat(kept.stream(), past.stream()).toList());
        java.util.Set<String> needed = chains.withAncestors(kept.stream().flatMap(s -> s.tag("run").stream()).toList());
        return past.stream().filter(s -> s.tag("run").map(run -> !needed.contains(run)).orElse(true))
                .map(Snapshot::id).toList();
    }

    private void collectWhole(String forgetJson, List<Snapshot> kept, List<Snapshot> removed) throws ResticException {
        for (JsonNode group : restic.parse(forgetJson)) {
            group.path("keep").forEach(s -> kept.add(ResticCommand.snapshot(s)));
            group.path("remove").forEach(s -> removed.add(ResticCommand.snapshot(s)));
        }
    }

    private void collect(String forgetJson, List<Snapshot> kept, List<String> removed) throws ResticException {
        for (JsonNode group : restic.parse(forgetJson)) {
            group.path("keep").forEach(s -> kept.add(ResticCommand.snapshot(s)));
            group.path("remove").forEach(s -> removed.add(s.path("id").asText()));
        }
    }

    /**
     * Forgets the safety snapshots (taken before a restore overwrote live data) that are
     * {@link #SAFETY_KEEP} old; they belong to no plan's tiers. Done before each prune.
     *
     * @return how many went
     */
    public int expireSafetySnapshots(RepoConfig repo) throws ResticException {
        Instant expiry = Instant.now().minus(SAFETY_KEEP);
        List<String> expired = snapshots.snapshots(repo, List.of(SnapshotTags.SAFETY)).stream()
                .filter(s -> s.time().isBefore(expiry)).map(Snapshot::id).toList();
        forgetSnapshots(repo, expired);
        return expired.size();
    }

    /** Removes data no snapshot needs; {@code maxUnused} is restic's {@code --max-unused}. */
    public String prune(RepoConfig repo, java.util.Optional<String> maxUnused) throws ResticException {
        restic.unlockStale(repo);
        List<String> args = new ArrayList<>(List.of("prune"));
        maxUnused.ifPresent(m -> args.addAll(List.of("--max-unused", m)));
        return restic.run(repo, ResticCommand.LONG, args.toArray(String[]::new));
    }

    /** Removes snapshots that must not stand, e.g. one made from a dump that later failed. */
    public void forgetSnapshots(RepoConfig repo, List<String> ids) throws ResticException {
        forgetSnapshots(repo, ids, ResticCommand.LOCK_WAIT);
    }

    /** As {@link #forgetSnapshots(RepoConfig, List)}, waiting {@code lockWait} for another restic's lock. */
    private void forgetSnapshots(RepoConfig repo, List<String> ids, java.time.Duration lockWait) throws ResticException {
        if (ids.isEmpty()) {
            return;
        }
        List<String> args = new ArrayList<>(List.of("forget"));
        args.addAll(ids);
        restic.runWaiting(repo, ResticCommand.QUICK, lockWait, args.toArray(String[]::new));
    }
}
