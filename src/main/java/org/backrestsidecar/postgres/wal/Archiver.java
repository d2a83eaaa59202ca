package org.backrestsidecar.postgres.wal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.backrestsidecar.postgres.WalMode;
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.config.Priority;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.discovery.Discovery;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.metrics.BackupMetrics;
import org.backrestsidecar.restic.Backup;
import org.backrestsidecar.restic.Forget;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.restic.Snapshot;
import org.backrestsidecar.restic.SnapshotTags;
import org.backrestsidecar.run.PlanRuns;
import org.backrestsidecar.restic.Snapshots;
import org.backrestsidecar.restic.StoredSnapshot;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Ships each wal-mode target's spool into its plan's repo every {@code sidecar.wal.ship-every}, keeps its
 * stream running, and tells people when it is not. A chain (one base backup and the WAL after it)
 * is one snapshot in the repo (and at most {@link #FORGET_EVERY} of ships more): each ship stores the
 * whole spool (restic adds only what changed), and the chain's superseded WAL snapshots are
 * forgotten, so a month of WAL is a few dozen snapshots, not tens of thousands. WAL snapshots carry {@code wal} and {@code chain:<run>}; the
 * plan's tiers leave them alone ({@code --keep-tag wal}) and restic/WalRetention forgets a chain
 * when retention forgot its base.
 */
@ApplicationScoped
public class Archiver {
    private static final Logger LOG = Logger.getLogger(Archiver.class);
    /** Ships of one spool in a row when each found a segment renamed under it (a busy server). */
    static final int SHIP_ATTEMPTS = 3;
    /** A chain's superseded WAL snapshots are forgotten at most this often: a chain is a few snapshots. */
    static final Duration FORGET_EVERY = Duration.ofMinutes(5);
    /**
     * How long a ship waits for the stream to report the WAL the server had written when the ship
     * began (pg_receivewal reports every second). A stream further behind ships what it has, and the
     * snapshot holds the newest moment whose WAL it had.
     */
    static final Duration MARK_WAIT = Duration.ofSeconds(5);
    /** A base backup's handover waits longer: without the WAL up to after the base, the chains meet with a gap. */
    static final Duration HANDOVER_WAIT = Duration.ofSeconds(30);
    private static final Duration LOOK_EVERY = Duration.ofMillis(500);
    static final Duration HOLE_RETRY_MOST = Duration.ofHours(1);
    private final SidecarConfig config;
    private final Discovery discovery;
    private final Streamer streamer;
    private final Backup backup;
    private final Snapshots snapshots;
    private final Forget forget;
    private final Scheduler scheduler;
    private volatile boolean stopping;
    private final BackupMetrics metrics;
    private final jakarta.enterprise.event.Event<WalNotice> told;
    private final PlanRuns runs;
    private final ObjectMapper json;
    /** The wait before a failed base backup that closes a hole, or follows a restore, is tried again; doubled each try, up to {@link #HOLE_RETRY_MOST}. */
    private final Duration holeRetry;
    /**
     * How often the spool is shipped: the recovery point when the whole host is lost is this plus one
     * ship behind the server. Each ship is one restic command (a lock made, the spool read), so a
     * shorter one costs the host CPU all day. 12 s keeps the repo within 15 s of the server under
     * load (bench/results.md "One restic start, and the quick key"), at no more cost than 15 s had
     * before each restic opened the repo's quick key.
     */
    private final Duration shipEvery;
    /** Each wal-mode target's stream and all its state, by target name. */
    private final Map<String, WalStream> streams = new ConcurrentHashMap<>();

    public Archiver(SidecarConfig config, Discovery discovery, Streamer streamer, Backup backup, Snapshots snapshots,
                    Forget forget, Scheduler scheduler, BackupMetrics metrics,
                    jakarta.enterprise.event.Event<WalNotice> told, PlanRuns runs, ObjectMapper json,
                    @ConfigProperty(name = "sidecar.wal.hole-retry", defaultValue = "60s") Duration holeRetry,
                    @ConfigProperty(name = "sidecar.wal.ship-every", defaultValue = "12s") Duration shipEvery) {
        this.config = config;
        this.discovery = discovery;
        this.streamer = streamer;
        this.backup = backup;
        this.snapshots = snapshots;
        this.forget = forget;
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.told = told;
        this.runs = runs;
        this.json = json;
        this.holeRetry = holeRetry;
        if (shipEvery.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("sidecar.wal.ship-every is " + shipEvery + ": give at least 1s");
        }
        this.shipEvery = shipEvery;
    }

    /**
     * The sidecar stops: a tick still running (a ship takes seconds) finds the beans it calls gone
     * ("ArC container not initialized") and must not report that as a broken stream.
     */
    void stop(@Observes io.quarkus.runtime.ShutdownEvent ignored) {
        stopping = true;
    }

    void schedule(@Observes StartupEvent ignored) {
        scheduler.newJob("wal-archiver").setInterval(shipEvery.toSeconds() + "s")
                .setConcurrentExecution(Scheduled.ConcurrentExecution.SKIP).setTask(e -> tick()).schedule();
    }

    /** One round over every wal-mode target: stream kept up, spool shipped, status and metrics set. */
    public void tick() {
        Set<String> streaming = new java.util.HashSet<>();
        discovery.targets().stream().filter(t -> t.usable() && t.walMode()).forEach(t -> streaming.add(t.name()));
        try {
            streamer.removeAllBut(streaming);
        } catch (RuntimeException e) {
            LOG.warnf("cannot look for WAL streams of targets that are gone: %s", e.getMessage());
        }
        for (Target target : discovery.targets()) {
            if (stopping) {
                return;
            }
            if (target.usable() && target.walMode() && target.running() && !streamOf(target).held()) {
                WalStream stream = streamOf(target);
                synchronized (stream) {
                    keepUp(target, stream);
                }
            }
        }
    }

    /** The stream of every wal-mode target as last seen. */
    public List<WalStatus> statuses() {
        return streams.values().stream().flatMap(s -> s.status().stream())
                .sorted(java.util.Comparator.comparing(WalStatus::target)).toList();
    }

    public Optional<WalStatus> status(String target) {
        return Optional.ofNullable(streams.get(target)).flatMap(WalStream::status);
    }

    private void keepUp(Target target, WalStream stream) {
        Spool spool = spool(target);
        WalStatus was = stream.status().orElse(WalStatus.none(target));
        WalStatus now = was;
        try {
            anotherServer(target, stream, spool);
            Optional<Streamer.Restart> restart = streamer.ensure(target, spool);
            restarted(target, stream, spool, restart);
            Optional<Streamer.Mark> held = spool.chain().isPresent() ? held(target, stream, MARK_WAIT) : Optional.empty();
            ship(target, stream, spool, Optional.empty(), held);
            // the repo holds every moment up to the newest the spool had when this ship began
            Instant shippedAt = held.map(Streamer.Mark::at).filter(h -> was.shippedAt() == null
                    || h.isAfter(was.shippedAt())).orElse(was.shippedAt());
            now = now.seen(streamer.running(target), spool.chain().map(Spool.Chain::base).orElse(null),
                    shippedAt, streamer.view(target));
            if (now.problem() == null) {
                told.fire(WalNotice.fine(key(target), "the WAL stream of " + target.name() + " is shipping again",
                        where(target)));
            }
        } catch (WalProblem | IOException | ResticException | RuntimeException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            if (stopping) {
                // the stream goes on without us; the next start ships what came meanwhile
                LOG.infof("WAL stream of %s left as the sidecar stops (%s)", target.name(), why);
                return;
            }
            now = was.broken(why);
            LOG.errorf("WAL stream of %s: %s", target.name(), why);
            told.fire(WalNotice.problem(key(target), "the WAL stream of " + target.name() + " is broken",
                    where(target), why, "until it ships again, the newest moment it can be restored to stays at "
                            + (was.shippedAt() == null ? "its last base backup" : was.shippedAt())));
        }
        // the hole as the spool notes it: a sidecar started after a crash still shows it
        now = now.hole(spool.hole().orElse(null));
        stream.status(now);
        metrics.wal(target.plan(), target.name(), now.measured());
    }

    /**
     * Marks the server's moment and WAL position now, and waits (at most {@code wait}) for the stream
     * to report it has written that far into the spool.
     *
     * @return the newest mark whose WAL the spool holds (this one when the stream caught up in time, an
     *         older one when it is behind); empty when none is known
     */
    private Optional<Streamer.Mark> held(Target target, WalStream stream, Duration wait) throws IOException {
        Streamer.Mark mark = streamer.mark(target);
        stream.marked(mark);
        Instant deadline = Instant.now().plus(wait);
        long received = streamer.receivedUpTo(target);
        while (received >= 0 && received < mark.lsn() && Instant.now().isBefore(deadline) && !stopping) {
            try {
                Thread.sleep(LOOK_EVERY.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            received = streamer.receivedUpTo(target);
        }
        return stream.heldAt(received);
    }

    /**
     * Ships the spool if it changed since the last ship, then forgets the chain's older WAL snapshots.
     * The snapshot is tagged {@code upto:<moment>}, the newest moment whose WAL it holds: {@code held}
     * (the spool had its WAL before restic read it), or the chain's newest moment shipped before. With
     * {@code nextRun} (the base backup of that run has just ended) the chain's last WAL is shipped even
     * if unchanged; tagged {@code next-chain:<nextRun>} when {@code held} is {@code handover}, a moment
     * after that base ended, the new chain then starts exactly there (RecoveryWindow). Nothing is
     * shipped before the first base backup: WAL without a base restores nothing.
     */
    private Optional<StoredSnapshot> ship(Target target, WalStream stream, Spool spool, Optional<String> nextRun,
                                          Optional<Streamer.Mark> held) throws IOException, ResticException {
        return ship(target, stream, spool, nextRun, held, Optional.empty());
    }

    private Optional<StoredSnapshot> ship(Target target, WalStream stream, Spool spool, Optional<String> nextRun,
                                          Optional<Streamer.Mark> held, Optional<Streamer.Mark> handover)
            throws IOException, ResticException {
        Optional<Spool.Chain> chain = spool.chain();
        if (chain.isEmpty()) {
            return Optional.empty();
        }
        String fingerprint = spool.fingerprint();
        String base = chain.get().base();
        if (fingerprint.isEmpty() || (nextRun.isEmpty() && stream.shipped(base, fingerprint))) {
            return Optional.empty();
        }
        RepoConfig repo = repoOf(target);
        Optional<Instant> before = stream.claimed(base);
        Optional<Instant> upTo = held.map(Streamer.Mark::at).filter(h -> before.map(h::isAfter).orElse(true)).or(() -> before);
        SnapshotTags tags = tags(target, base).with(SnapshotTags.UP_TO + ":" + upTo.map(Instant::toString)
                .orElse(SnapshotTags.UP_TO_NONE));
        if (nextRun.isPresent() && handover.isPresent() && held.equals(handover)) {
            tags = tags.with(SnapshotTags.NEXT_CHAIN + ":" + nextRun.get());
        } else if (nextRun.isPresent()) {
            LOG.warnf("the stream of %s had not received the WAL up to after base backup %s within %d s: the old "
                    + "chain ends at %s, and the new one starts when the base's run ended", target.name(), nextRun.get(),
                    HANDOVER_WAIT.toSeconds(), upTo.map(Instant::toString).orElse("its base"));
        }
        StoredSnapshot stored = null;
        for (int attempt = 1; stored == null; attempt++) {
            try {
                stored = backup.backupPaths(repo, List.of(spool.dir()), tags, config.instance(), Priority.LOW);
            } catch (ResticException e) {
                // pg_receivewal renamed X.partial to X after restic listed the spool and before it read
                // the file: restic stored it under neither name (exit 3). The spool moved on under it,
                // so it is shipped again as it is now; anything else, or a spool that stood still, fails
                String now = spool.fingerprint();
                if (!e.someSourceUnread() || attempt >= SHIP_ATTEMPTS || now.equals(fingerprint)) {
                    throw e;
                }
                LOG.infof("the WAL of %s changed while restic read it (%s): shipped again", target.name(),
                        e.getMessage());
                fingerprint = now;
            }
        }
        stream.shippedNow(base, fingerprint, upTo.orElse(Instant.EPOCH));
        if (!stream.forgetDue(base, FORGET_EVERY)) {
            // a restore reads an older one; or forgot lately: forget takes the repo's exclusive lock,
            // which every other restic on the repo (a run's backup, a restore's dump) waits for
            return Optional.of(stored);
        }
        String newest = stored.id();
        // one that holds a later moment stays (a sidecar started anew ships before it knows the chain's)
        Instant newestUpTo = upTo.orElse(Instant.EPOCH);
        List<String> older = snapshots.snapshots(repo, List.of(SnapshotTags.targetTag(target.name()), SnapshotTags.WAL,
                SnapshotTags.CHAIN + ":" + chain.get().base())).stream()
                .filter(s -> !s.id().startsWith(newest) && !newest.startsWith(s.id()))
                .filter(s -> !SnapshotTags.walUpTo(s).isAfter(newestUpTo)).map(Snapshot::id).toList();
        forget.forgetSnapshots(repo, older);
        return Optional.of(stored);
    }

    /**
     * A base backup ended well: the old chain gets its last WAL, then the spool keeps only what the
     * new base needs and ships under the new chain.
     */
    public void newChain(Target target, String baseRun, String firstSegment) throws IOException, ResticException {
        WalStream stream = streamOf(target);
        synchronized (stream) {
            Spool spool = spool(target);
            // the old chain's last WAL, shipped even when the spool is as last shipped: its moment, marked
            // now that the base has ended, is where the new chain takes over, so no moment between the
            // two chains is left out
            Optional<Streamer.Mark> held = held(target, stream, HANDOVER_WAIT);
            Optional<Streamer.Mark> handover = stream.newestMark();
            ship(target, stream, spool, Optional.of(baseRun), held, handover);
            spool.trimBefore(firstSegment);
            spool.chain(new Spool.Chain(baseRun, firstSegment, Instant.now(), streamer.systemId(target)));
            ship(target, stream, spool, Optional.empty(), held);
            stream.statusIfSeen(s -> s.hole(null));
            stream.paid();
            told.fire(WalNotice.fine(key(target) + ":chain", "the WAL chain of " + target.name()
                    + " is whole again (new base backup)", where(target)));
        }
    }

    /**
     * The container is a different server than the chain's (its volume was lost and it started
     * empty): what the spool holds is the old server's, shipped as the old chain's last WAL; the
     * new server starts from an empty spool. No base backup is taken of it here: until its plan runs,
     * "latest" still restores the old server's newest moment, which is what a restore onto it needs.
     */
    private void anotherServer(Target target, WalStream stream, Spool spool) throws IOException, ResticException {
        Optional<Spool.Chain> chain = spool.chain();
        if (chain.isEmpty() || chain.get().system() == null) {
            return;
        }
        String system = streamer.systemId(target);
        if (!system.equals(chain.get().system())) {
            streamer.stop(target);
            // the server now answering is another: its moments say nothing of this spool
            ship(target, stream, spool, Optional.empty(), Optional.empty());
            spool.wipe();
            stream.forgetShipped();
            told.fire(WalNotice.failure(target.name() + " is another Postgres server now", where(target),
                    "its system identifier is " + system + ", the WAL chain's server was " + chain.get().system(),
                    "its WAL is kept from its next base backup (plan " + target.plan() + "'s next run); to put the old "
                            + "server's data back, restore " + target.name() + " to latest before that"));
        }
    }

    /** Keeps the stream running (a base backup needs it up before it starts). */
    public void ensureStreaming(Target target) throws WalProblem, IOException {
        WalStream stream = streamOf(target);
        synchronized (stream) {
            Spool spool = spool(target);
            Optional<Streamer.Restart> restart = streamer.ensure(target, spool);
            if (restart.isPresent() && restart.get().slotLost()) {
                // the base backup now under way closes the hole
                tellHole(target, stream, spool);
            }
        }
    }

    /**
     * A stream started again: when the server had given up our slot, the chain has a hole, which a
     * base backup closes. So does a hole a sidecar before this one noted and did not close (it was
     * killed, or stopped, before its base backup ended). A restore over the live server owes one too
     * (its spool waits empty for it). A base backup that fails leaves the debt open (for a hole, the
     * WAL it needed may have gone while it ran): it is tried again, after a wait that doubles each
     * time, rather than at the plan's next scheduled run a day later.
     */
    private void restarted(Target target, WalStream stream, Spool spool, Optional<Streamer.Restart> restart)
            throws IOException {
        restart.flatMap(Streamer.Restart::ended).ifPresent(why -> LOG.warnf("WAL stream of %s had stopped, started again: %s",
                target.name(), why));
        boolean lostNow = restart.isPresent() && restart.get().slotLost();
        if (!lostNow && spool.hole().isEmpty() && stream.owed().isEmpty()) {
            return;
        }
        BaseBackupTries tries = lostNow ? null : stream.owed().orElse(null);
        if (tries == null) {
            tellHole(target, stream, spool);
            tries = BaseBackupTries.NONE;
        } else if (Instant.now().isBefore(tries.nextTry())) {
            return;
        } else if (spool.hole().isPresent()) {
            LOG.warnf("the WAL chain of %s still has a hole after %d base backup(s): another one starts", target.name(),
                    tries.tries());
        } else if (tries.tries() > 0) {
            LOG.warnf("%s still has no base backup on its new timeline after %d tries: another one starts", target.name(),
                    tries.tries());
        }
        if (runs.startScheduled(target.plan())) {
            stream.owe(tries.tried(holeRetry));
        } else {
            // the running one takes the base backup; should it fail, the next one starts right after it
            stream.owe(tries.waited());
        }
    }

    /** Base backups started for a debt: a try's wait doubles from the first, up to {@link #HOLE_RETRY_MOST}. */
    record BaseBackupTries(int tries, Instant nextTry) {
        static final BaseBackupTries NONE = new BaseBackupTries(0, Instant.EPOCH);

        BaseBackupTries tried(Duration first) {
            Duration wait = first.multipliedBy(1L << Math.min(tries, 10));
            return new BaseBackupTries(tries + 1, Instant.now().plus(wait.compareTo(HOLE_RETRY_MOST) > 0 ? HOLE_RETRY_MOST : wait));
        }

        /** A run of the plan already under way: the next look is at the next round. */
        BaseBackupTries waited() {
            return new BaseBackupTries(tries, Instant.now());
        }
    }

    public String currentSegment(Target target) throws IOException {
        return streamer.currentSegment(target);
    }

    /**
     * Stops shipping and streaming for the target while a restore lays down its data; the stream is
     * started anew (new slot, empty spool) when the hold is released: the old timeline's WAL was
     * shipped before, and is no use to the new one.
     */
    public Hold hold(Target target) throws IOException, ResticException {
        WalStream stream = streamOf(target);
        stream.held(true);
        synchronized (stream) {
            Spool spool = spool(target);
            Optional<Streamer.Mark> held = Optional.empty();
            try {
                held = spool.chain().isPresent() ? held(target, stream, MARK_WAIT) : held;
            } catch (IOException | RuntimeException e) {
                // the server is down (a restore after a crash): the spool ships what it has, at the moment last known
                LOG.infof("%s gives no moment before its restore (%s): its WAL ships as of its last ship", target.name(),
                        e.getMessage());
            }
            ship(target, stream, spool, Optional.empty(), held);
            streamer.stop(target);
        }
        return new Hold(target, stream);
    }

    /**
     * While a restore reads the target's WAL snapshots, ships forget none: the one it chose stays
     * until it is done (the first ship after forgets it).
     */
    public AutoCloseable reading(Target target) {
        return streamOf(target).reading();
    }

    /** Released by the restore; {@link #restart} when the target's data was replaced. */
    public final class Hold implements AutoCloseable {
        private final Target target;
        private final WalStream stream;

        private Hold(Target target, WalStream stream) {
            this.target = target;
            this.stream = stream;
        }

        /**
         * The server now runs a new timeline: the spool starts empty and waits for a new base backup,
         * which is owed until one ends well (the restore starts the first; a failed one is tried again).
         */
        public void restart() throws IOException {
            synchronized (stream) {
                spool(target).wipe();
                stream.forgetShipped();
                stream.owe(BaseBackupTries.NONE.waited());
            }
        }

        @Override
        public void close() {
            stream.held(false);
        }
    }

    /** A chain that lost WAL (the spool was emptied): noted on disk and told; a new base backup closes it. */
    private void tellHole(Target target, WalStream stream, Spool spool) throws IOException {
        stream.forgetShipped();
        spool.markHole(Instant.now());
        stream.statusIfSeen(s -> s.hole(spool.hole().orElse(null)));
        told.fire(WalNotice.problem(key(target) + ":chain", "the WAL chain of " + target.name()
                + " has a hole", where(target), "the server gave up the WAL our replication slot held (more than "
                        + WalMode.maxRetained(target) + " while the stream was down)", "a new base backup starts now "
                        + "(plan " + target.plan() + " runs); moments before the hole still restore from the older chain"));
    }

    SnapshotTags tags(Target target, String base) {
        return new SnapshotTags(target.plan(), config.instance(), target.name(),
                List.of(SnapshotTags.WAL, SnapshotTags.CHAIN + ":" + base));
    }

    private RepoConfig repoOf(Target target) {
        PlanConfig plan = config.requirePlan(target.plan());
        return config.repoOf(plan);
    }

    Spool spool(Target target) {
        return new Spool(config.stateDir(), target.name(), json);
    }

    private WalStream streamOf(Target target) {
        return streams.computeIfAbsent(target.name(), WalStream::new);
    }

    private static String key(Target target) {
        return "wal:" + target.name();
    }

    private static Map<String, String> where(Target target) {
        return Map.of("target", target.name(), "plan", target.plan(), "container", target.containerName());
    }

    static Path spoolOf(Path stateDir, String target) {
        return stateDir.resolve("wal").resolve(target);
    }
}
