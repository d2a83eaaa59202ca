package org.backrestsidecar.pitr;

import com.github.dockerjava.api.DockerClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
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
    private static final String WAL_FILE = "[0-9A-F]{24}";
    private final DockerClient docker;
    private final ContainerExec exec;
    private final ContainerLogs logs;

    /**
     * What a finished replay reached.
     *
     * @param endSegment     the segment in which replay ended (where the new timeline branched off)
     * @param newestGiven    the newest segment the chain's WAL held, or null (no WAL given)
     */
    public record Reached(int timeline, String lastTransaction, List<String> databases, String endSegment,
                          String newestGiven) {
        /** The replay stopped before the newest segment it was given: one in between is missing or damaged. */
        public boolean stoppedEarly() {
            return newestGiven != null && endSegment != null
                    && newestGiven.substring(8, 24).compareTo(endSegment.substring(8, 24)) > 0;
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
            super("no transaction after the moment asked for is in the WAL");
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
            var state = docker.inspectContainerCmd(containerId).exec().getState();
            if (!Boolean.TRUE.equals(state.getRunning())) {
                String said = logs.tail(containerId, 20);
                if (said.contains("recovery ended before configured recovery target was reached")) {
                    throw new TargetNotReached();
                }
                throw new IOException("the server stopped while replaying WAL (exit code " + state.getExitCodeLong()
                        + "): " + said);
            }
            try {
                if (psql(containerId, user, "SELECT pg_is_in_recovery()").equals("f")) {
                    return;
                }
            } catch (IOException starting) {
                // not accepting connections yet
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IOException("the server was still replaying WAL after " + timeout.toMinutes() + " min");
            }
            Thread.sleep(1000);
        }
    }

    /** Reads what the replay reached, then removes the recovery settings and the WAL laid down for it. */
    public Reached settle(String containerId, String user, String pgdata) throws IOException {
        String newest = sh(containerId, pgdata, "ls -R \"$PGDATA/" + DataFolder.WAL_DIR + "\" 2>/dev/null | grep -oE '^"
                + WAL_FILE + "' | sort | tail -n 1");
        String switchLsn = sh(containerId, pgdata, "h=$(ls \"$PGDATA\"/pg_wal/*.history 2>/dev/null | sort | tail -n 1); "
                + "[ -z \"$h\" ] || tail -n 1 \"$h\" | cut -f 2");
        String endSegment = switchLsn.isEmpty() ? null
                : psql(containerId, user, "SELECT (pg_walfile_name_offset('" + switchLsn + "'::pg_lsn)).file_name");
        for (String setting : List.of("restore_command", "recovery_target_time", "recovery_target",
                "recovery_target_action")) {
            psql(containerId, user, "ALTER SYSTEM RESET " + setting);
        }
        psql(containerId, user, "SELECT pg_reload_conf()");
        sh(containerId, pgdata, "rm -rf \"$PGDATA/" + DataFolder.WAL_DIR + "\"");
        return new Reached(Integer.parseInt(psql(containerId, user, "SELECT timeline_id FROM pg_control_checkpoint()")),
                psql(containerId, user, "SELECT coalesce(pg_last_xact_replay_timestamp()::text, '')"),
                psql(containerId, user, "SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY 1").lines().toList(),
                endSegment, newest.isEmpty() ? null : newest);
    }

    String psql(String containerId, String user, String sql) throws IOException {
        // every statement here reads, or resets a setting: harmless run twice
        return exec.outputRunTwiceIfStuck(containerId, List.of("psql", "-X", "-U", user, "-d", "postgres", "-At", "-v",
                "ON_ERROR_STOP=1", "-c", sql), QUICK).strip();
    }

    private String sh(String containerId, String pgdata, String script) throws IOException {
        // each script here reads, or removes what the replay laid down: harmless run twice. A CI run saw
        // the engine never report the end of one of them, right after the replayed server started.
        return exec.outputRunTwiceIfStuck(containerId, List.of("env", "PGDATA=" + pgdata, "sh", "-c", script), QUICK)
                .strip();
    }
}
