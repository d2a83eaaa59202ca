package org.backrestsidecar.postgres.pitr;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.backrestsidecar.restic.BaseChains;
import org.backrestsidecar.restic.Snapshot;
import org.backrestsidecar.strategy.BackupFacts;
import org.backrestsidecar.postgres.wal.Archiver;
import org.backrestsidecar.postgres.wal.BaseBackups;
import org.backrestsidecar.restic.SnapshotTags;

/**
 * The moments a wal-mode target can be restored to, read from its snapshots: each base backup that
 * was stored whole (its run stored the facts file last) opens a chain, and the chain's WAL snapshot
 * holds every segment from the base up to the moment its ship began. A restore takes the newest base
 * that was ready before the moment asked for, and that base's chain.
 *
 * <p>A base is ready from the moment the chain before it shipped its last WAL (that snapshot is tagged
 * {@code next-chain:<run>}; it is shipped after the base was stored), so the old chain reaches
 * exactly where the new one takes over. Without that snapshot (the first base, one after a restore
 * over the live server), it is ready from the second after its facts were stored: rounded up, so
 * that the page, which picks whole seconds and rounds the window's end down, never offers the second
 * before a base that nothing covers.
 */
public record RecoveryWindow(String target, List<Base> bases, List<WalCopy> wal, List<Broken> broken) {

    /**
     * A base backup: its run, its snapshot, when it was consistent (its run's facts stored), and the
     * run of the base it is incremental on (Postgres 17+; empty for a full one).
     */
    public record Base(String run, String snapshotId, Instant ready, Optional<String> parent) {
        public Base(String run, String snapshotId, Instant ready) {
            this(run, snapshotId, ready, Optional.empty());
        }
    }

    /**
     * An incremental base backup that cannot be restored: {@code missing}, a base it builds on, is not
     * in the repo whole. It is left out of the window (and its WAL with it).
     */
    public record Broken(Base base, String missing) {
        String why(String target) {
            return "base backup " + base.run() + " of " + target + " is incremental and cannot be restored: base "
                    + "backup " + missing + ", which it builds on, is not in the repo whole (removed, or its run cut "
                    + "off)";
        }
    }

    public RecoveryWindow(String target, List<Base> bases, List<WalCopy> wal) {
        this(target, bases, wal, List.of());
    }

    /** A chain's WAL in the repo: every segment up to the moment {@code upTo}. */
    public record WalCopy(String chain, String snapshotId, Instant upTo, String spoolPath) {
    }

    /**
     * A stretch inside the window no chain covers: the WAL after one base ends {@code after}, the next
     * base is ready only {@code before} (the stream lost WAL, or a restore over the live server came
     * between them). Moments strictly between are refused.
     */
    public record Gap(Instant after, Instant before) {
    }

    /**
     * What one restore lays down: a base (combined with the bases it builds on, {@code before}, oldest
     * first, when it is incremental), and its chain's WAL unless only the base is wanted.
     */
    public record Choice(Base base, List<Base> before, Optional<WalCopy> wal, Optional<Instant> to) {
        public boolean baseOnly() {
            return wal.isEmpty();
        }

        /** The base and what it was combined with, as the checks name it. */
        public String described() {
            return "base backup " + base.run() + (before.isEmpty() ? "" : " (incremental, combined with "
                    + String.join(", ", before.stream().map(Base::run).toList()) + " by pg_combinebackup)");
        }
    }

    private Choice choice(Base base, Optional<WalCopy> walCopy, Optional<Instant> to) {
        List<Base> before = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>(List.of(base.run()));
        for (Optional<String> p = base.parent(); p.isPresent() && seen.add(p.get()); ) {
            String run = p.get();
            Base parent = bases.stream().filter(b -> b.run().equals(run)).findFirst().orElseThrow();
            before.add(0, parent);
            p = parent.parent();
        }
        return new Choice(base, List.copyOf(before), walCopy, to);
    }

    public static RecoveryWindow of(String target, List<Snapshot> all) {
        String basePath = "/" + target + "/" + SnapshotTags.BASE_BACKUP_FILE;
        String factsPath = "/" + BackupFacts.pathOf(target);
        List<Snapshot> walSnapshots = all.stream()
                .filter(s -> s.tags().contains(SnapshotTags.WAL) && s.tag(SnapshotTags.CHAIN).isPresent()).toList();
        List<Base> stored = all.stream().filter(s -> s.paths().equals(List.of(basePath)) && s.tag("run").isPresent())
                .flatMap(s -> all.stream().filter(f -> f.paths().equals(List.of(factsPath))
                                && f.tag("run").equals(s.tag("run"))).findFirst().stream()
                        .map(f -> new Base(s.tag("run").get(), s.id(), walSnapshots.stream()
                                .filter(w -> w.tag(SnapshotTags.NEXT_CHAIN).equals(s.tag("run"))).map(SnapshotTags::walUpTo)
                                .filter(handover -> handover.isBefore(f.time())).findFirst()
                                .orElseGet(() -> wholeSecondUp(f.time())), s.tag(SnapshotTags.PARENT))))
                .sorted(Comparator.comparing(Base::ready)).toList();
        // an incremental base is restorable only with every base back to its full one
        BaseChains chains = BaseChains.of(all);
        java.util.Set<String> whole = new java.util.HashSet<>(stored.stream().map(Base::run).toList());
        List<Broken> broken = stored.stream().flatMap(b -> chains.missing(b.run(), whole).stream()
                .map(missing -> new Broken(b, missing))).toList();
        List<Base> bases = stored.stream().filter(b -> broken.stream().noneMatch(x -> x.base() == b)).toList();
        // by the moment each holds up to, and of two that claim the same (a ship whose stream had not
        // reached its mark in time claims the one before), the one shipped later last: it holds more
        List<WalCopy> wal = walSnapshots.stream().sorted(Comparator.comparing(Snapshot::time))
                .map(s -> new WalCopy(s.tag(SnapshotTags.CHAIN).get(), s.id(), SnapshotTags.walUpTo(s), s.paths().get(0)))
                .filter(w -> bases.stream().anyMatch(b -> b.run().equals(w.chain())))
                .sorted(Comparator.comparing(WalCopy::upTo)).toList();
        return new RecoveryWindow(target, bases, wal, broken);
    }

    /**
     * The window as the archiver knows it now: when the chain's spool had nothing new since its
     * newest WAL snapshot, the repo holds everything up to {@code shippedAt} (no snapshot is written
     * for an idle server).
     */
    public RecoveryWindow heldUntil(String chain, Instant shippedAt) {
        Optional<WalCopy> newest = newestOf(chain);
        if (newest.isEmpty() || !shippedAt.isAfter(newest.get().upTo())) {
            return this;
        }
        List<WalCopy> moved = wal.stream().map(w -> w == newest.get() ? new WalCopy(w.chain(), w.snapshotId(), shippedAt,
                w.spoolPath()) : w).toList();
        return new RecoveryWindow(target, bases, moved, broken);
    }

    private static Instant wholeSecondUp(Instant t) {
        Instant down = t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        return down.equals(t) ? t : down.plusSeconds(1);
    }

    /** Why each incremental base left out of the window cannot be restored. */
    public List<String> unrestorable() {
        return broken.stream().map(b -> b.why(target)).toList();
    }

    public Optional<Instant> from() {
        return bases.stream().map(Base::ready).min(Comparator.naturalOrder());
    }

    /** The newest moment held: the newest WAL's, or the newest base's when no WAL came after it. */
    public Optional<Instant> until() {
        return java.util.stream.Stream.concat(bases.stream().map(Base::ready), wal.stream().map(WalCopy::upTo))
                .max(Comparator.naturalOrder());
    }

    /** The gaps inside the window, oldest first: exactly the moments {@link #at} refuses between its edges. */
    public List<Gap> gaps() {
        List<Gap> gaps = new ArrayList<>();
        for (int i = 0; i + 1 < bases.size(); i++) {
            Instant reaches = reach(bases.get(i));
            Instant next = bases.get(i + 1).ready();
            if (reaches.isBefore(next)) {
                gaps.add(new Gap(reaches, next));
            }
        }
        return gaps;
    }

    /** The newest moment a base restores to: the end of its chain's WAL, or its own moment. */
    private Instant reach(Base base) {
        return walOf(base).map(WalCopy::upTo).filter(upTo -> upTo.isAfter(base.ready())).orElse(base.ready());
    }

    private Optional<WalCopy> walOf(Base base) {
        return newestOf(base.run());
    }

    /**
     * The chain's WAL snapshot that holds the most: the one that reaches the furthest moment, and of
     * two that reach the same, the later in {@link #wal} ({@link #of} lists them as they were shipped).
     */
    private Optional<WalCopy> newestOf(String chain) {
        return wal.stream().filter(w -> w.chain().equals(chain))
                .reduce((earlier, later) -> later.upTo().isBefore(earlier.upTo()) ? earlier : later);
    }

    /** The newest moment: the chain that reaches furthest, replayed to its end. */
    public Choice latest() {
        Base newest = bases.stream().max(Comparator.comparing((Base b) -> walOf(b).map(WalCopy::upTo).orElse(b.ready()))
                        .thenComparing(Base::ready))
                .orElseThrow(this::noBase);
        return choice(newest, walOf(newest), Optional.empty());
    }

    /**
     * The base backup among {@code snapshotIds} (a run's, short or full ids) with all the WAL its
     * chain holds, or empty when none of them is a base backup ready to restore.
     */
    public Optional<Choice> chainOf(List<String> snapshotIds) {
        return bases.stream().filter(b -> snapshotIds.stream().anyMatch(id -> !id.isEmpty()
                        && (b.snapshotId().startsWith(id) || id.startsWith(b.snapshotId()))))
                .findFirst().map(b -> choice(b, walOf(b), Optional.empty()));
    }

    /**
     * Why the base backup among {@code snapshotIds} (a run's) cannot be restored, when it is an
     * incremental one whose chain is not whole; empty otherwise.
     */
    public Optional<String> whyNotRestorable(List<String> snapshotIds) {
        return broken.stream().filter(b -> snapshotIds.stream().anyMatch(id -> !id.isEmpty()
                        && (b.base().snapshotId().startsWith(id) || id.startsWith(b.base().snapshotId()))))
                .findFirst().map(b -> b.why(target));
    }

    /** One base backup as it was when it ended (no WAL after it replayed). */
    public Choice base(String runOrSnapshot) {
        broken.stream().filter(b -> b.base().run().equals(runOrSnapshot) || (runOrSnapshot.length() >= 4
                && b.base().snapshotId().startsWith(runOrSnapshot))).findFirst().ifPresent(b -> {
                    throw new OutsideWindow(b.why(target));
                });
        return bases.stream().filter(b -> b.run().equals(runOrSnapshot) || (runOrSnapshot.length() >= 4
                        && b.snapshotId().startsWith(runOrSnapshot))).findFirst()
                .map(b -> choice(b, Optional.empty(), Optional.empty()))
                .orElseThrow(() -> new NoSuchElementException("no base backup " + runOrSnapshot + " of target " + target));
    }

    /**
     * @throws OutsideWindow when the moment is before the first base backup was ready or after the
     *                       newest WAL shipped, naming the window
     */
    public Choice at(Instant to) {
        // the base for that moment is incremental and its chain not whole: say what is missing
        Optional<Broken> newestBroken = broken.stream().filter(b -> !b.base().ready().isAfter(to))
                .max(Comparator.comparing(b -> b.base().ready()));
        if (newestBroken.isPresent()) {
            Optional<Base> good = bases.stream().filter(b -> !b.ready().isAfter(to)).max(Comparator.comparing(Base::ready));
            boolean coveredAnyway = good.isPresent() && (to.equals(good.get().ready())
                    || walOf(good.get()).map(w -> !w.upTo().isBefore(to)).orElse(false));
            if (!coveredAnyway && good.map(g -> newestBroken.get().base().ready().isAfter(g.ready())).orElse(true)) {
                throw new OutsideWindow("the moment " + to + " cannot be restored: " + newestBroken.get().why(target));
            }
        }
        Instant from = from().orElseThrow(this::noBase);
        Instant until = until().orElseThrow();
        if (to.isBefore(from)) {
            throw new OutsideWindow(to + " is before the first base backup of " + target + " was ready; the window is "
                    + from + " to " + until);
        }
        if (to.isAfter(until)) {
            throw new OutsideWindow(to + " is after the newest WAL of " + target + " in the repo; the window is "
                    + from + " to " + until);
        }
        Base base = bases.stream().filter(b -> !b.ready().isAfter(to)).max(Comparator.comparing(Base::ready)).orElseThrow();
        Optional<WalCopy> walCopy = walOf(base);
        if (!to.equals(base.ready()) && walCopy.map(w -> w.upTo().isBefore(to)).orElse(true)) {
            String resumes = bases.stream().map(Base::ready).filter(ready -> ready.isAfter(to)).min(Comparator.naturalOrder())
                    .map(ready -> ", up to " + ready + " (the next base backup)").orElse("");
            throw new OutsideWindow("the WAL after base backup " + base.run() + " of " + target + " reaches only "
                    + walCopy.map(w -> w.upTo().toString()).orElse("the base itself (none was shipped)")
                    + ", not " + to + "; the window has a gap there" + resumes);
        }
        return choice(base, walCopy, Optional.of(to));
    }

    private RuntimeException noBase() {
        if (!broken.isEmpty()) {
            return new OutsideWindow("target " + target + " has no base backup that can be restored: "
                    + String.join("; ", unrestorable()));
        }
        return new NoSuchElementException("target " + target + " has no base backup in its repo yet: run its plan "
                + "once (wal mode restores from a base backup and the WAL after it)");
    }

    /** A moment the repo cannot restore to (the API's 400). */
    public static class OutsideWindow extends org.backrestsidecar.restore.RestoreRefused {
        public OutsideWindow(String message) {
            super(message);
        }
    }
}
