package org.backrestsidecar.postgres;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.docker.ContainerExec;
import org.backrestsidecar.docker.ExecResult;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.strategy.BackupStrategy;
import org.backrestsidecar.postgres.wal.BaseBackups;
import org.backrestsidecar.strategy.TargetBackup;

/**
 * Postgres, dumped by its own tools inside its container: the roles and tablespaces with
 * {@code pg_dumpall --globals-only}, then each database with {@code pg_dump -Fc}, each streamed
 * straight into its own restic snapshot. A dump that exits non-zero never stands as a snapshot.
 */
@ApplicationScoped
public class PostgresStrategy implements BackupStrategy {
    /** The label naming the databases to dump (all that accept connections when absent). */
    public static final String DATABASES = "postgres.databases";
    /**
     * One database by its exact name, whatever it holds (a ',' or a space): a restore's safety dump
     * of the database it replaces. Set by the sidecar on its own copy of a target, never from a label
     * (it is not one of {@link #optionKeys}).
     */
    public static final String ONE_DATABASE = "postgres.one-database";
    /**
     * The name {@link #ONE_DATABASE}'s dump is stored and counted under: a restore's safety copy made
     * inside the server ({@link RestoreBeside}: the live one renamed aside) is dumped as the database it is a copy of, so that it
     * restores as that database. Set by the sidecar only, as ONE_DATABASE.
     */
    public static final String DUMPED_AS = "postgres.one-database-as";
    static final String USER = "postgres.user";
    /**
     * Who compresses the dump: {@code pg_dump} (default: its zlib, inside the database's container) or
     * {@code restic} ({@code pg_dump -Z0}, the repo's zstd). Measured in bench/results.md: on
     * application-like text restic's way dumps 2.3x faster and stores 8 % less ("Storage"), but on
     * pgbench's rows (compressing 35:1) it pushes 35 times the bytes through Docker and restic, takes
     * 1.5-2.9x as long and costs the service 12-20 points more of its throughput ("What a backup costs the service").
     */
    static final String COMPRESSION = "postgres.compression";
    private static final List<String> COMPRESSIONS = List.of("restic", "pg_dump");
    private static final Pattern NAME = Pattern.compile("[^\\s,/]{1,63}");
    private static final Duration LIST_TIMEOUT = Duration.ofMinutes(2);

    private static final String DUMP_FAILED = "backrest-sidecar-dump-failed";
    /**
     * At priority low, lowers the processes given (nice 19, idle I/O class, SCHED_IDLE: preempted at
     * once by the app's own processes) where the image has the tools; a process that cannot be lowered only runs at its usual priority. The work of a dump is
     * mostly the server process that serves it, a child of the postmaster, not of anything we start,
     * so that process is found by its application_name and lowered too: it competes with the app's
     * own server processes in the same container, where nice takes effect. Docker gives root no
     * CAP_SYS_NICE, so a process of the server's user is lowered as that user (gosu, which the
     * official images carry, or setpriv).
     */
    public static final String LOWER = """
            lower() {
              for p in "$@"; do
                owner=$(stat -c %u "/proc/$p" 2>/dev/null) || continue
                as=
                if [ "$owner" != "$(id -u)" ]; then
                  if command -v gosu >/dev/null 2>&1; then as="gosu $owner"
                  elif command -v setpriv >/dev/null 2>&1; then as="setpriv --reuid=$owner --regid=$(stat -c %g "/proc/$p") --clear-groups"
                  fi
                fi
                $as renice -n 19 -p "$p" >/dev/null 2>&1; $as ionice -c 3 -p "$p" >/dev/null 2>&1
                $as chrt -i -p 0 "$p" >/dev/null 2>&1
              done
              true
            }
            lowered() { # APPNAME COMMAND...: runs the command as that client, lowered with the server process serving it
              app=$1; shift
              PGAPPNAME=$app "$@" &
              client=$!
              lower $client
              n=0
              while [ $n -lt 100 ] && kill -0 $client 2>/dev/null; do
                served=$(psql -X -At -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$app'" 2>/dev/null)
                if [ -n "$served" ]; then lower $served; break; fi
                n=$((n + 1)); sleep 0.1
              done
              wait $client
            }
            """;
    /** pg_dump of the exported snapshot; at priority low it and its server process are lowered. */
    private static final String PG_DUMP = LOWER + """
            if [ "$BACKREST_SIDECAR_PRIORITY" != low ]; then
              exec pg_dump -Fc $BACKREST_SIDECAR_DUMP_FLAGS --snapshot="$BACKREST_SIDECAR_SNAPSHOT"
            fi
            lowered backrest-sidecar-dump pg_dump -Fc $BACKREST_SIDECAR_DUMP_FLAGS --snapshot="$BACKREST_SIDECAR_SNAPSHOT"
            """;
    /**
     * One read-only transaction exports its snapshot, counts every table's rows in it (to stderr)
     * and has pg_dump dump that very snapshot to stdout, so the counts are exactly the dump's even
     * while the app writes. psql does not fail on a failed {@code \!}, hence the marker line.
     */
    private static final String DUMP_WITH_COUNTS = """
            psql -X -q -At -v ON_ERROR_STOP=1 <<'SQL'
            BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
            SELECT pg_export_snapshot() AS backrest_sidecar_snapshot, pg_backend_pid() AS backrest_sidecar_backend \\gset
            \\setenv BACKREST_SIDECAR_SNAPSHOT :backrest_sidecar_snapshot
            \\setenv BACKREST_SIDECAR_BACKEND :backrest_sidecar_backend
            \\! [ "$BACKREST_SIDECAR_PRIORITY" != low ] || sh -c "$BACKREST_SIDECAR_LOWER lower $BACKREST_SIDECAR_BACKEND"
            \\o | cat >&2
            %s
            \\o
            \\! sh -c "$BACKREST_SIDECAR_PG_DUMP" || echo "%s: exit $?" >&2
            COMMIT;
            SQL
            """.formatted(PostgresRowCounts.QUERY, DUMP_FAILED);

    private static final Pattern DUMP_FAILED_LINE = Pattern.compile(DUMP_FAILED + ": exit (\\d+)");
    private final ContainerExec exec;
    private final BaseBackups baseBackups;

    public PostgresStrategy(ContainerExec exec, BaseBackups baseBackups) {
        this.exec = exec;
        this.baseBackups = baseBackups;
    }

    @Override
    public String name() {
        return "postgres";
    }

    @Override
    public Set<String> optionKeys() {
        Set<String> keys = new java.util.HashSet<>(Set.of(DATABASES, USER, COMPRESSION));
        keys.addAll(WalMode.KEYS);
        return keys;
    }

    @Override
    public List<String> check(Map<String, String> options) {
        List<String> problems = new ArrayList<>(WalMode.check(options));
        String user = options.get(USER);
        if (user != null && !NAME.matcher(user.strip()).matches()) {
            problems.add(USER + "='" + user + "': not a Postgres role name");
        }
        String compression = options.get(COMPRESSION);
        if (compression != null && !COMPRESSIONS.contains(compression.strip())) {
            problems.add(COMPRESSION + "='" + compression + "': write restic (the repo compresses) or pg_dump (pg_dump's zlib)");
        }
        String databases = options.get(DATABASES);
        if (databases != null) {
            for (String db : databases.split(",", -1)) {
                if (!NAME.matcher(db.strip()).matches()) {
                    problems.add(DATABASES + "='" + databases + "': '" + db.strip()
                            + "' is not a database name (write a comma-separated list, e.g. app,auth)");
                }
            }
        }
        return problems;
    }

    @Override
    public void backUp(Target target, TargetBackup backup) throws Exception {
        String user = user(target);
        List<String> databases = databases(target);
        if (target.walMode()) {
            baseBackups.backUp(target, backup, databases);
            return;
        }
        dump(target, backup, "globals.sql", List.of("pg_dumpall", "-U", user, "--globals-only"), List.of(), null);
        for (String db : databases) {
            String as = target.option(ONE_DATABASE).isPresent() ? target.option(DUMPED_AS).orElse(db) : db;
            dump(target, backup, as + ".dump", List.of("sh", "-c", DUMP_WITH_COUNTS),
                    List.of("PGUSER=" + user, "PGDATABASE=" + db, "BACKREST_SIDECAR_DUMP_FLAGS=" + dumpFlags(target),
                            "BACKREST_SIDECAR_PRIORITY=" + backup.priority().word(), "BACKREST_SIDECAR_LOWER=" + LOWER,
                            "BACKREST_SIDECAR_PG_DUMP=" + PG_DUMP), as);
        }
    }

    private static String dumpFlags(Target target) {
        return target.option(COMPRESSION).map(String::strip).orElse("pg_dump").equals("restic") ? "-Z0" : "";
    }

    /** The role the sidecar works as inside the container ({@code backup.postgres.user}). */
    public static String user(Target target) {
        return target.option(USER).orElse("postgres");
    }

    /** The databases the label names, or every database that accepts connections. */
    private List<String> databases(Target target) throws IOException {
        Optional<String> one = target.option(ONE_DATABASE);
        if (one.isPresent()) {
            return List.of(one.get());
        }
        Optional<String> named = target.option(DATABASES);
        return named.isPresent() ? Arrays.stream(named.get().split(",")).map(String::strip).toList()
                : listDatabases(target, user(target));
    }

    private List<String> listDatabases(Target target, String user) throws IOException {
        String out = exec.output(target.containerId(), List.of("psql", "-U", user, "-d", "postgres", "-At", "-c",
                "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname"),
                LIST_TIMEOUT);
        return out.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    /** @param countsOf the database whose row counts the command reports on stderr, or null */
    private void dump(Target target, TargetBackup backup, String file, List<String> command, List<String> env,
                      String countsOf) {
        try {
            backup.stream(target.name() + "/" + file, out -> {
                ExecResult result = exec.run(target.containerId(), command, env, target.timeout(), out);
                java.util.regex.Matcher failed = DUMP_FAILED_LINE.matcher(result.stderr());
                if (failed.find()) {
                    String said = result.stderr().lines().filter(l -> !l.startsWith("backrest-sidecar-"))
                            .collect(java.util.stream.Collectors.joining("\n")).strip();
                    return Optional.of("pg_dump exited with " + failed.group(1) + ": " + said);
                }
                if (countsOf != null && result.succeeded()) {
                    PostgresRowCounts.parse(result.stderr()).ifPresentOrElse(c -> backup.counted(countsOf, c),
                            () -> backup.note("row counts of " + countsOf + " were not recorded (too many tables "
                                    + "for the 64 KiB kept); its drill checks the restore only"));
                    PostgresRowCounts.contentSums(result.stderr()).ifPresent(c -> backup.summed(countsOf, c,
                            PostgresRowCounts.sumFormula(result.stderr()).orElse(null)));
                }
                return verdict(result, command.get(0).equals("sh") ? "pg_dump" : command.get(0));
            });
        } catch (ResticException e) {
            backup.failed(file, e.getMessage());
        }
    }

    private static Optional<String> verdict(ExecResult result, String tool) {
        return result.succeeded() ? Optional.empty() : Optional.of(result.failure(tool));
    }
}
