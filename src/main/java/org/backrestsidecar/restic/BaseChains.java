package org.backrestsidecar.restic;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The links between a wal-mode Postgres target's base backups, read from their snapshots' tags: an
 * incremental base backup (Postgres 17+) carries {@code parent:<run>}, the run of the base it holds
 * the changes since. Restoring it needs every base back to a full one, so retention keeps those
 * ({@link Forget}) and a restore lays them all down. Pure: what the repo's listing says, nothing read.
 */
public final class BaseChains {
    private final Map<String, String> parents;

    private BaseChains(Map<String, String> parents) {
        this.parents = parents;
    }

    /** The links of every base backup among {@code snapshots} (of any target: runs are unique). */
    public static BaseChains of(Collection<Snapshot> snapshots) {
        Map<String, String> parents = new HashMap<>();
        for (Snapshot s : snapshots) {
            if (isBase(s)) {
                s.tag(SnapshotTags.PARENT).ifPresent(parent -> s.tag("run").ifPresent(run -> parents.put(run, parent)));
            }
        }
        return new BaseChains(parents);
    }

    /** A base backup's snapshot: its one path is {@code /<target>/base.tar}. */
    public static boolean isBase(Snapshot s) {
        return s.paths().size() == 1 && s.paths().get(0).endsWith("/" + SnapshotTags.BASE_BACKUP_FILE);
    }

    /** The run {@code run}'s base holds the changes since, when it is incremental. */
    public Optional<String> parent(String run) {
        return Optional.ofNullable(parents.get(run));
    }

    /**
     * The runs a restore of {@code run}'s base lays down before it, oldest (the full one) first; empty
     * for a full base. A chain that loops (tags edited by hand) stops where it would repeat.
     */
    public List<String> ancestors(String run) {
        List<String> chain = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>(List.of(run));
        for (Optional<String> p = parent(run); p.isPresent() && seen.add(p.get()); p = parent(p.get())) {
            chain.add(0, p.get());
        }
        return chain;
    }

    /** How many base backups a restore of {@code run}'s lays down: 1 for a full one. */
    public int length(String run) {
        return ancestors(run).size() + 1;
    }

    /** {@code runs} and every base they need, the set retention must keep whole. */
    public Set<String> withAncestors(Collection<String> runs) {
        Set<String> needed = new LinkedHashSet<>();
        for (String run : runs) {
            needed.add(run);
            needed.addAll(ancestors(run));
        }
        return needed;
    }

    /**
     * The first base (oldest first) that {@code run}'s needs and {@code whole} (the runs whose base is
     * in the repo, stored whole) lacks; empty when the chain is whole.
     */
    public Optional<String> missing(String run, Set<String> whole) {
        return ancestors(run).stream().filter(a -> !whole.contains(a)).findFirst();
    }
}
