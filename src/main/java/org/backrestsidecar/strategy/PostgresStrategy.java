package org.backrestsidecar.strategy;

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

/**
 * Postgres, dumped by its own tools inside its container: the roles and tablespaces with
 * {@code pg_dumpall --globals-only}, then each database with {@code pg_dump -Fc}, each streamed
 * straight into its own restic snapshot. A dump that exits non-zero never stands as a snapshot.
 */
@ApplicationScoped
public class PostgresStrategy implements BackupStrategy {
    static final String DATABASES = "postgres.databases";
    static final String USER = "postgres.user";
    private static final Pattern NAME = Pattern.compile("[^\\s,/]{1,63}");
    private static final Duration LIST_TIMEOUT = Duration.ofMinutes(2);

    private final ContainerExec exec;

    public PostgresStrategy(ContainerExec exec) {
        this.exec = exec;
    }

    @Override
    public String name() {
        return "postgres";
    }

    @Override
    public Set<String> optionKeys() {
        return Set.of(DATABASES, USER);
    }

    @Override
    public List<String> check(Map<String, String> options) {
        List<String> problems = new ArrayList<>();
        String user = options.get(USER);
        if (user != null && !NAME.matcher(user.strip()).matches()) {
            problems.add(USER + "='" + user + "': not a Postgres role name");
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
        String user = target.option(USER).orElse("postgres");
        List<String> databases = target.option(DATABASES)
                .map(list -> Arrays.stream(list.split(",")).map(String::strip).toList())
                .orElse(null);
        if (databases == null) {
            databases = listDatabases(target, user);
        }
        dump(target, backup, "globals.sql", List.of("pg_dumpall", "-U", user, "--globals-only"));
        for (String db : databases) {
            dump(target, backup, db + ".dump", List.of("pg_dump", "-U", user, "-Fc", "--dbname", db));
        }
    }

    private List<String> listDatabases(Target target, String user) throws IOException {
        String out = exec.output(target.containerId(), List.of("psql", "-U", user, "-d", "postgres", "-At", "-c",
                "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname"),
                LIST_TIMEOUT);
        return out.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    private void dump(Target target, TargetBackup backup, String file, List<String> command) {
        try {
            backup.stream(target.name() + "/" + file, out -> verdict(exec.run(target.containerId(), command, target.timeout(), out),
                    command.get(0)));
        } catch (ResticException e) {
            backup.failed(file, e.getMessage());
        }
    }

    private static Optional<String> verdict(ExecResult result, String tool) {
        return result.succeeded() ? Optional.empty() : Optional.of(result.failure(tool));
    }
}
