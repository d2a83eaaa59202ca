package org.backrestsidecar.postgres.pitr;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.backrestsidecar.docker.ContainerExec;
import org.backrestsidecar.docker.ContainerLogs;

/**
 * A server replaying WAL after {@link DataFolder} laid it down: waited for until it is promoted (or
 * has died, with its last words), its recovery settings then taken away again, and what it reached
 * read back, so that a restore says what it restored, not only that a server came up.
 */
@ApplicationScoped
public class Replay {
    private static final Duration QUICK = Duration.ofSeconds(30);
    /**
     * How often a replay is looked at: a look is one psql in the container (about 70 ms), and the
     * restore waits on average half of this after the server is ready (bench/results.md "Where a
     * restore's time goes").
     */
    private static final Duration LOOK_EVERY = Duration.ofMillis(250);
    /** Runs of a read or reset that stuck or ran past {@link #QUICK} before the replay is called failed. */
    private static final int ATTEMPTS = 3;
    private static final String WAL_FILE = "[0-9A-F]{24}";
    private final DockerClient docker;
    private final ContainerExec exec;
    private final ContainerLogs logs;

    /**
     * What a finished replay reached.
     *
     * @param endSegment     the segment in which replay ended (where the new timeline branched off)
     * @param newestGiven    the newest segment the chain's WAL held, or null (no WAL given)
     * @param missing        the segments missing between the base backup's first and the newest
     *                       given, named as the server names them ({@link WalChain})
     */
    public record Reached(int timeline, String lastTransaction, List<String> databases, String endSegment,
                          String newestGiven, List<String> missing) {
        /** The replay stopped before the newest segment it was given: one in between is missing or damaged. */
        public boolean stoppedEarly() {
            return newestGiven != null && endSegment != null
                    && newestGiven.substring(8, 24).compareTo(endSegment.substring(8, 24)) > 0;
        }

        /**
         * Why the chain that was replayed is not whole, or empty: the segments it lacks, named; else,
         * when the replay stopped before the newest segment, the one it ended in (damaged, or cut
         * short), named as it was given, not as the replay's new timeline names it.
         */
        public java.util.Optional<String> chainProblem() {
            if (!missing.isEmpty()) {
                return java.util.Optional.of("the WAL chain lacks segment" + (missing.size() > 1 ? "s " : " ")
                        + String.join(", ", missing) + " (between the base backup's first segment and the newest given, "
                        + newestGiven + ")");
            }
            if (stoppedEarly()) {
                return java.util.Optional.of("the replay ended in WAL segment " + endSegment + " but the chain holds "
                        + "segments up to " + newestGiven + ": that one is damaged or cut short");
            }
            return java.util.Optional.empty();
        }

        public String said() {
            return "replayed up to the transaction of " + (lastTransaction.isEmpty() ? "(none after the base backup)"
                    : lastTransaction) + ", now on timeline " + timeline + "; databases: " + String.join(", ", databases);
        }
    }

    /**
     * The WAL ended before any transaction after the moment asked for: replaying all of it gives
     * exactly the state at that moment (Postgres 13+ stops with FATAL instead).
     */
    public static class TargetNotReached extends IOException {
        TargetNotReached() {
            this("no transaction after the moment asked for is in the WAL");
        }

        TargetNotReached(String message) {
            super(message);
        }
    }

    public Replay(DockerClient docker, ContainerExec exec, ContainerLogs logs) {
        this.logs = logs;
        this.docker = docker;
        this.exec = exec;
    }

    /** Waits until the server has left recovery. */
    public void awaitPromoted(String containerId, String user, Duration timeout) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            stillRunning(containerId, new TargetNotReached(), "");
            try {
                if (psql(containerId, user, "SELECT pg_is_in_recovery()").equals("f")) {
                    return;
                }
            } catch (IOException | ConflictException starting) {
                // not accepting connections yet, or stopped since stillRunning looked (Docker answers an
                // exec into a stopped container 409): the next look tells how it stopped
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IOException("the server was still replaying WAL after " + timeout.toMinutes() + " min");
            }
            Thread.sleep(LOOK_EVERY.toMillis());
        }
    }

    /**
     * Returns while the server runs; else throws {@code notReached} when it stopped saying its
     * recovery target was not reached, or says how it stopped.
     */
    private void stillRunning(String containerId, TargetNotReached notReached, String replaying) throws IOException {
        var state = docker.inspectContainerCmd(containerId).exec().getState();
        if (!Boolean.TRUE.equals(state.getRunning())) {
            String said = logs.tail(containerId, 20);
            if (said.contains("recovery ended before configured recovery target was reached")) {
                throw notReached;
            }
            throw new IOException("the server stopped while replaying WAL" + replaying + " (exit code "
                    + state.getExitCodeLong() + "): " + said);
        }
    }

    /**
     * Waits until the replay has paused at the restore point it was told to stop at
     * ({@link DataFolder.Work#pauseAt}), the server taking read-only connections.
     *
     * @throws TargetNotReached when the WAL ended before the point (the server stops, saying so)
     */
    public void awaitPaused(String containerId, String user, String point, Duration timeout)
            throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            stillRunning(containerId, new TargetNotReached("the WAL replayed ends before restore point " + point),
                    " to restore point " + point);
            String paused = "";
            try {
                paused = psql(containerId, user, "SELECT pg_is_in_recovery()::text || pg_is_wal_replay_paused()::text");
            } catch (IOException | ConflictException starting) {
                // not taking connections yet, or stopped since stillRunning looked: the next look says how
            }
            if (paused.equals("truetrue")) {
                return;
            }
            if (paused.startsWith("false")) {
                throw new IOException("the server left recovery instead of pausing at restore point " + point);
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IOException("the server had not reached restore point " + point + " after "
                        + timeout.toMinutes() + " min");
            }
            Thread.sleep(LOOK_EVERY.toMillis());
        }
    }

    /**
     * A replay paused at a restore point goes on: to the restore point {@code next}, or (empty) to
     * the end of the WAL, then promoted. The targets are read only at start-up: the server is
     * restarted, and replays on from where it paused.
     */
    public void goOn(String containerId, String user, java.util.Optional<String> next) throws IOException {
        if (next.isPresent()) {
            psql(containerId, user, "ALTER SYSTEM SET recovery_target_name = '" + next.get() + "'");
        } else {
            psql(containerId, user, "ALTER SYSTEM RESET recovery_target_name");
            psql(containerId, user, "ALTER SYSTEM SET recovery_target_action = 'promote'");
        }
        docker.stopContainerCmd(containerId).withTimeout(60).exec();
        docker.startContainerCmd(containerId).exec();
    }

    /** Reads what the replay reached, then removes the recovery settings and the WAL laid down for it. */
    public Reached settle(String containerId, String user, String pgdata) throws IOException {
        List<String> given = sh(containerId, pgdata, "ls -R \"$PGDATA/" + DataFolder.WAL_DIR + "\" 2>/dev/null | grep -oE '^"
                + WAL_FILE + "$' | sort -u").lines().toList();
        String newest = given.isEmpty() ? "" : given.get(given.size() - 1);
        List<String> missing = given.isEmpty() ? List.of() : missing(containerId, user, pgdata, given, newest);
        String switchLsn = sh(containerId, pgdata, "h=$(ls \"$PGDATA\"/pg_wal/*.history 2>/dev/null | sort | tail -n 1); "
                + "[ -z \"$h\" ] || tail -n 1 \"$h\" | cut -f 2");
        String branched = switchLsn.isEmpty() ? null
                : psql(containerId, user, "SELECT (pg_walfile_name_offset('" + switchLsn + "'::pg_lsn)).file_name");
        // named as the chain had it, not on the replay's new timeline (a file that never existed)
        String endSegment = branched == null ? null : given.stream()
                .filter(n -> n.substring(8).equals(branched.substring(8))).findFirst().orElse(branched);
        // one psql, a -c each: ALTER SYSTEM runs in no transaction, so not one -c of many statements
        List<String> resets = new ArrayList<>();
        for (String setting : List.of("restore_command", "recovery_target_time", "recovery_target",
                "recovery_target_name", "recovery_target_action", "hot_standby")) {
            resets.add("ALTER SYSTEM RESET " + setting);
        }
        resets.add("SELECT pg_reload_conf()");
        psql(containerId, user, resets.toArray(String[]::new));
        sh(containerId, pgdata, "rm -rf \"$PGDATA/" + DataFolder.WAL_DIR + "\"");
        return new Reached(Integer.parseInt(psql(containerId, user, "SELECT timeline_id FROM pg_control_checkpoint()")),
                psql(containerId, user, "SELECT coalesce(pg_last_xact_replay_timestamp()::text, '')"),
                psql(containerId, user, "SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY 1").lines().toList(),
                endSegment, newest.isEmpty() ? null : newest, missing);
    }

    /**
     * The segments the chain lacks from the base backup's first (its backup_label, kept by the
     * server as backup_label.old) to {@code newest}: those given and those the base held in pg_wal
     * count (a recycled file there bears a later name, past {@code newest}, and is not read).
     */
    private List<String> missing(String containerId, String user, String pgdata, List<String> given, String newest)
            throws IOException {
        String first = sh(containerId, pgdata, "sed -n 's/^START WAL LOCATION: .*(file \\([0-9A-F]\\{24\\}\\))$/\\1/p' "
                + "\"$PGDATA/backup_label.old\" 2>/dev/null | head -n 1");
        if (first.isEmpty()) {
            return List.of();
        }
        List<String> held = new ArrayList<>(given);
        // of the chain's timelines only: the promotion began a new one, whose first segment copies
        // the one the replay ended in and would fill the very hole it stopped at
        java.util.Set<String> timelines = given.stream().map(n -> n.substring(0, 8)).collect(java.util.stream.Collectors.toSet());
        sh(containerId, pgdata, "ls \"$PGDATA/pg_wal\" | grep -oE '^" + WAL_FILE + "$'; true").lines()
                .filter(n -> timelines.contains(n.substring(0, 8)) && n.substring(8).compareTo(newest.substring(8)) <= 0)
                .forEach(held::add);
        long segmentBytes = Long.parseLong(psql(containerId, user,
                "SELECT pg_size_bytes(current_setting('wal_segment_size'))"));
        return WalChain.missing(first, held, segmentBytes);
    }

    String psql(String containerId, String user, String... statements) throws IOException {
        // every statement here reads, or resets a setting: harmless run again
        List<String> command = new ArrayList<>(List.of("psql", "-X", "-U", user, "-d", "postgres", "-At", "-v",
                "ON_ERROR_STOP=1"));
        for (String sql : statements) {
            command.add("-c");
            command.add(sql);
        }
        return exec.outputRetried(containerId, command, QUICK, ATTEMPTS).strip();
    }

    private String sh(String containerId, String pgdata, String script) throws IOException {
        // each script here reads, or removes what the replay laid down: harmless run twice. A CI run saw
        // the engine never report the end of one of them, right after the replayed server started.
        return exec.outputRetried(containerId, List.of("env", "PGDATA=" + pgdata, "sh", "-c", script), QUICK, ATTEMPTS)
                .strip();
    }
}
