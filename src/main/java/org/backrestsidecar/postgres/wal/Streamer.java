package org.backrestsidecar.postgres.wal;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.HostConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.backrestsidecar.postgres.WalMode;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.docker.ContainerExec;
import org.backrestsidecar.docker.ContainerLogs;
import org.backrestsidecar.postgres.PostgresStrategy;
import org.backrestsidecar.volumes.Helpers;
import org.backrestsidecar.volumes.SelfMounts;

/**
 * Keeps one {@code pg_receivewal} per target running, as Barman's streaming archiver does: in a
 * container from the target's own image (client and server versions always match) that shares the
 * target's network namespace, so it reaches the server on 127.0.0.1, where the official image's
 * {@code pg_hba.conf} (initdb's own lines) trusts local replication connections: nothing in the
 * database's configuration has to change. It writes into the target's {@link Spool}.
 */
@ApplicationScoped
public class Streamer {
    static final String PREFIX = "backrest-sidecar-wal-";
    static final String APP_NAME = "backrest-sidecar-wal";
    private static final Duration QUICK = Duration.ofSeconds(30);
    private final DockerClient docker;
    private final ContainerExec exec;
    private final ContainerLogs logs;
    private final SelfMounts self;
    private final SidecarConfig config;

    /** What the server says of our stream: bytes its slot holds back, and not yet on the spool. */
    public record ServerView(long slotRetainedBytes, String walStatus, long notReceivedBytes, int timeline,
                             int serverVersion) {
    }

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(Streamer.class);
    private final java.util.Set<String> basesRunning = new java.util.HashSet<>();
    private final java.util.Set<String> leftBaseSlotLookedFor = new java.util.HashSet<>();

    public Streamer(DockerClient docker, ContainerExec exec, ContainerLogs logs, SelfMounts self, SidecarConfig config) {
        this.logs = logs;
        this.docker = docker;
        this.exec = exec;
        this.self = self;
        this.config = config;
    }

    /**
     * A stream (re)started: why the one before ended (its exit code and last lines; empty at the
     * first start), and whether the server had given up our slot, so the spool was emptied and the
     * chain has a hole.
     */
    record Restart(Optional<String> ended, boolean slotLost) {
    }

    /**
     * Starts the stream unless it runs.
     *
     * @return empty while it runs
     * @throws WalProblem when the server cannot stream to us (no replication right), or the spool
     *                    cannot be shared with the stream's container (the sidecar's state not on a volume)
     */
    Optional<Restart> ensure(Target target, Spool spool) throws WalProblem, IOException {
        dropLeftBaseSlot(target);
        Optional<String> ended = Optional.empty();
        Optional<InspectContainerResponse> running = inspect(name(target));
        if (running.isPresent()) {
            if (Boolean.TRUE.equals(running.get().getState().getRunning())) {
                return Optional.empty();
            }
            ended = Optional.of("pg_receivewal exited with code " + running.get().getState().getExitCodeLong() + ": "
                    + logs.tail(running.get().getId(), 5));
            remove(target);
        }
        if (!self.shareable(spool.dir())) {
            throw new WalProblem("the sidecar's state folder " + config.stateDir() + " is not on a volume, so the WAL "
                    + "stream (a container of its own) cannot write where the sidecar reads: mount a volume there "
                    + "(the bundle's sidecar-state)");
        }
        boolean lost = prepareServer(target);
        if (lost) {
            // pg_receivewal would resume from the newest segment here, which the server no longer has
            spool.wipe();
        }
        spool.create();
        start(target, spool);
        return Optional.of(new Restart(ended, lost));
    }

    /** Stops the stream (a restore lays down a new data folder; the slot goes with the old one). */
    void stop(Target target) {
        remove(target);
    }

    /** Removes the streams of targets that are gone or no longer in wal mode (their server went away). */
    void removeAllBut(Set<String> targets) {
        docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of("backrest-sidecar.wal", "stream",
                Helpers.LABEL, config.instance())).exec().stream()
                .filter(c -> !targets.contains(c.getLabels().get("backrest-sidecar.target")))
                .forEach(c -> docker.removeContainerCmd(c.getId()).withForce(true).exec());
    }

    boolean running(Target target) {
        return inspect(name(target)).map(c -> Boolean.TRUE.equals(c.getState().getRunning())).orElse(false);
    }

    /**
     * Checks the role may stream, bounds what the slot may hold back, and drops the slot when the
     * server gave it up (its WAL is gone: the chain has a hole that only a new base backup closes).
     *
     * @return whether a lost slot was dropped
     */
    private boolean prepareServer(Target target) throws WalProblem, IOException {
        String user = PostgresStrategy.user(target);
        String may = psql(target, "SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user");
        if (!may.equals("t")) {
            throw new WalProblem("role " + user + " of " + target.containerName() + " may not stream WAL (it has no "
                    + "REPLICATION right): ALTER ROLE " + user + " REPLICATION, or label " + "backup.postgres.user with a "
                    + "role that has it");
        }
        if (psql(target, "SHOW max_slot_wal_keep_size").equals("-1")) {
            // the server's own bound: past it the slot is given up, never the disk filled
            psql(target, "ALTER SYSTEM SET max_slot_wal_keep_size = '" + WalMode.maxRetained(target) + "'");
            psql(target, "SELECT pg_reload_conf()");
        }
        String status = psql(target, "SELECT wal_status FROM pg_replication_slots WHERE slot_name = '"
                + WalMode.slot(target) + "'");
        boolean lost = status.equals("lost");
        if (lost) {
            psql(target, "SELECT pg_drop_replication_slot('" + WalMode.slot(target) + "')");
        }
        if (lost || status.isEmpty()) {
            // reserving from now, not from when pg_receivewal first reports back: a base backup that starts
            // in between would otherwise have its first WAL segment unprotected by any slot
            psql(target, "SELECT pg_create_physical_replication_slot('" + WalMode.slot(target) + "', true)");
        }
        return lost;
    }

    /**
     * Holds the server's WAL from now until {@link #releaseBase}: a slot of the base backup's own.
     * pg_basebackup -X fetch reads the WAL its base needs only at its end, and the stream's slot lets
     * a segment go as soon as pg_receivewal has it: under writes, a base backup longer than the
     * server's checkpoints found its first segment recycled ("requested WAL segment … has already
     * been removed"). The server's max_slot_wal_keep_size bounds this slot too; one a killed sidecar
     * left is dropped before the next base backup makes its own.
     */
    synchronized void holdForBase(Target target) throws IOException {
        basesRunning.add(target.name());
        try {
            dropBaseSlot(target);
            psql(target, "SELECT pg_create_physical_replication_slot('" + baseSlot(target) + "', true)");
        } catch (IOException | RuntimeException e) {
            // no base backup runs (the caller fails the run): a slot left from before stays looked for
            basesRunning.remove(target.name());
            throw e;
        }
    }

    synchronized void releaseBase(Target target) throws IOException {
        basesRunning.remove(target.name());
        dropBaseSlot(target);
    }

    /**
     * Once a sidecar's life, at its first look at the target: the slot of a base backup a killed
     * sidecar left would hold the server's WAL (up to max_slot_wal_keep_size) until the next base
     * backup, a day later. Never while a base backup of ours runs.
     */
    private synchronized void dropLeftBaseSlot(Target target) {
        if (basesRunning.contains(target.name()) || !leftBaseSlotLookedFor.add(target.name())) {
            return;
        }
        try {
            dropBaseSlot(target);
        } catch (IOException | RuntimeException e) {
            leftBaseSlotLookedFor.remove(target.name());
            LOG.debugf("the slot %s is looked for again at the next round: %s", baseSlot(target), e.getMessage());
        }
    }

    private void dropBaseSlot(Target target) throws IOException {
        psql(target, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
                + baseSlot(target) + "'");
    }

    static String baseSlot(Target target) {
        return WalMode.slot(target) + "_base";
    }

    ServerView view(Target target) throws IOException {
        String row = read(target, "SELECT coalesce((SELECT (pg_current_wal_lsn() - restart_lsn)::bigint FROM "
                + "pg_replication_slots WHERE slot_name = '" + WalMode.slot(target) + "'), 0) || '|' || coalesce((SELECT "
                + "wal_status FROM pg_replication_slots WHERE slot_name = '" + WalMode.slot(target) + "'), 'none') || '|' "
                + "|| coalesce((SELECT (pg_current_wal_lsn() - write_lsn)::bigint FROM pg_stat_replication WHERE "
                + "application_name = '" + APP_NAME + "' LIMIT 1), -1) || '|' || (SELECT timeline_id FROM "
                + "pg_control_checkpoint()) || '|' || current_setting('server_version_num')");
        String[] f = row.split("\\|");
        return new ServerView(Long.parseLong(f[0]), f[1], Long.parseLong(f[2]), Integer.parseInt(f[3]),
                Integer.parseInt(f[4]));
    }

    /**
     * A moment on the server's clock and where the server had written its WAL a little after it
     * ({@link #MARK_SETTLE}): a commit is stamped just before its record is written, so every commit
     * stamped by {@code at} lies before {@code lsn} unless its backend stalled longer than that in
     * between. A spool that holds the WAL up to {@code lsn} restores every moment up to {@code at}.
     */
    record Mark(java.time.Instant at, long lsn) {
    }

    /** How long after its moment a {@link Mark} reads the server's WAL position. */
    static final Duration MARK_SETTLE = Duration.ofMillis(200);

    Mark mark(Target target) throws IOException {
        // evaluated left to right: the clock, the wait, then the position
        String[] f = read(target, "SELECT extract(epoch FROM clock_timestamp())::text || '|' || pg_sleep("
                + MARK_SETTLE.toMillis() / 1000.0 + ")::text || (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint")
                .split("\\|");
        java.math.BigDecimal seconds = new java.math.BigDecimal(f[0]);
        java.math.BigDecimal nanos = seconds.subtract(new java.math.BigDecimal(seconds.toBigInteger()))
                .movePointRight(9);
        return new Mark(java.time.Instant.ofEpochSecond(seconds.longValue(), nanos.longValue()), Long.parseLong(f[1]));
    }

    /**
     * How far the stream has written the server's WAL into the spool, as it last reported (it reports
     * every second): a byte position, or -1 when no stream is connected.
     */
    long receivedUpTo(Target target) throws IOException {
        return Long.parseLong(read(target, "SELECT coalesce((SELECT (write_lsn - '0/0'::pg_lsn)::bigint FROM "
                + "pg_stat_replication WHERE application_name = '" + APP_NAME + "' AND write_lsn IS NOT NULL "
                + "ORDER BY write_lsn DESC LIMIT 1), -1)"));
    }

    /** Whether the stream has written the server's WAL up to {@code lsn} into the spool (as it last reported). */
    boolean received(Target target, String lsn) throws IOException {
        return receivedUpTo(target) >= bytes(lsn);
    }

    /** A WAL position as Postgres writes it ({@code 16/B374D848}) as the byte position {@code pg_lsn - '0/0'} gives. */
    static long bytes(String lsn) throws IOException {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})").matcher(lsn.strip());
        if (!m.matches()) {
            throw new IOException("not a WAL position: '" + lsn + "'");
        }
        return (Long.parseLong(m.group(1), 16) << 32) + Long.parseLong(m.group(2), 16);
    }

    /** The server's identity: a new server (a new volume, initdb again) has another. */
    String systemId(Target target) throws IOException {
        return read(target, "SELECT system_identifier FROM pg_control_system()");
    }

    /** The segment the server writes now: a base backup starting now needs none older. */
    String currentSegment(Target target) throws IOException {
        return read(target, "SELECT pg_walfile_name(pg_current_wal_lsn())");
    }

    String psql(Target target, String sql) throws IOException {
        return exec.output(target.containerId(), command(target, sql), QUICK).strip();
    }

    /** A query that only reads: run once more should the engine lose track of the first. */
    private String read(Target target, String sql) throws IOException {
        return exec.outputRunTwiceIfStuck(target.containerId(), command(target, sql), QUICK).strip();
    }

    private static List<String> command(Target target, String sql) {
        return List.of("psql", "-X", "-U", PostgresStrategy.user(target), "-d", "postgres", "-At", "-v", "ON_ERROR_STOP=1",
                "-c", sql);
    }

    private void start(Target target, Spool spool) throws IOException {
        InspectContainerResponse live = docker.inspectContainerCmd(target.containerId()).exec();
        String port = env(live, "PGPORT").orElse("5432");
        // --status-interval 1: the slot's restart point moves only when pg_receivewal reports back, so
        // under a fast write the slot holds about one interval of WAL more than the stream lacks; a
        // checkpoint then finding it past max_slot_wal_keep_size would drop the slot (a hole)
        String script = WalMode.PG_BIN + "set -e\n"
                + "exec pg_receivewal -h 127.0.0.1 -p " + port + " -D \"$SPOOL\" --slot \"$SLOT\" --no-loop "
                + "--status-interval 1 -v\n";
        String id = docker.createContainerCmd(live.getImageId())
                .withName(name(target))
                .withLabels(Map.of(Helpers.LABEL, config.instance(), "backrest-sidecar.target", target.name(),
                        "backrest-sidecar.wal", "stream"))
                .withEntrypoint("sh", "-c", script)
                .withCmd(List.of())
                // the spool's owner: the sidecar reads, ships and trims what it writes
                .withUser(self.owner())
                .withEnv("HOME=/tmp", "PGUSER=" + PostgresStrategy.user(target), "PGAPPNAME=" + APP_NAME,
                        "SLOT=" + WalMode.slot(target), "SPOOL=" + spool.dir())
                .withHostConfig(HostConfig.newHostConfig().withNetworkMode("container:" + target.containerId())
                        .withBinds(self.bindFor(spool.dir())))
                .exec().getId();
        docker.startContainerCmd(id).exec();
    }

    private static Optional<String> env(InspectContainerResponse c, String name) {
        String[] env = c.getConfig().getEnv();
        if (env == null) {
            return Optional.empty();
        }
        for (String e : env) {
            if (e.startsWith(name + "=")) {
                return Optional.of(e.substring(name.length() + 1));
            }
        }
        return Optional.empty();
    }

    private String name(Target target) {
        return PREFIX + target.name();
    }

    private Optional<InspectContainerResponse> inspect(String name) {
        try {
            return Optional.of(docker.inspectContainerCmd(name).exec());
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    private void remove(Target target) {
        try {
            docker.removeContainerCmd(name(target)).withForce(true).exec();
        } catch (NotFoundException e) {
            // gone already
        }
    }
}
