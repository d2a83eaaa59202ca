package org.backrestsidecar.postgres;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.docker.ContainerExec;
import org.backrestsidecar.docker.ExecResult;

/**
 * The safety copy of a database made inside its own server before a restore overwrites it:
 * {@code CREATE DATABASE <copy> TEMPLATE <database> STRATEGY FILE_COPY}, the database's files copied
 * at disk speed (about a second a GB here), where a {@code pg_dump} of it into the repo took as long
 * as the nightly backup's (33 s a GB, four fifths of a restore: bench/results.md). The restore waits
 * only for this copy; the copy is dumped into the repo as the restore's safety snapshot after the
 * restore, then dropped.
 *
 * <p>Postgres copies a database only while no one else is connected to it: its connections are
 * refused (ALLOW_CONNECTIONS false) and the open ones closed for the length of the copy, then
 * allowed again whatever happened. Where the copy cannot be had (the database refuses connections
 * already, lies outside the default tablespace, the server's disk lacks room for a second copy, a
 * prepared transaction holds it, the server refuses), the restore takes the dump as before and says why.
 */
@ApplicationScoped
public class InServerCopy {
    /** Free room the server's disk keeps beside the copy, over the database's own size. */
    static final long HEADROOM = 256L << 20;
    private static final Duration QUICK = Duration.ofMinutes(2);
    /** Copying a database reads and writes all its files once. */
    private static final Duration COPYING = Duration.ofHours(6);
    private static final String TAG = ".before-restore-";
    private final ContainerExec exec;

    public InServerCopy(ContainerExec exec) {
        this.exec = exec;
    }

    /**
     * The copy's name: the database's (cut to 30 bytes, whole characters) and the restore's, so that a
     * copy left after a crash says whose it is; Postgres takes 63 bytes.
     */
    public static String nameFor(String database, String restoreId) {
        StringBuilder kept = new StringBuilder();
        int bytes = 0;
        for (int i = 0; i < database.length(); ) {
            int point = database.codePointAt(i);
            int size = new String(Character.toChars(point)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + size > 30) {
                break;
            }
            kept.appendCodePoint(point);
            bytes += size;
            i += Character.charCount(point);
        }
        return kept + TAG + restoreId.substring(0, Math.min(8, restoreId.length()));
    }

    /** A name as an SQL identifier: double quotes doubled. */
    static String identifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /**
     * Why {@code database} cannot be copied inside its server now, or empty when it can: read from the
     * server (connections allowed, its tablespace, its size) and from the disk of its data folder.
     */
    public Optional<String> whyNot(Target target, String user, String database) throws IOException {
        String row;
        try {
            row = psql(target.containerId(), user, List.of("SELECT d.datallowconn, t.spcname = 'pg_default', pg_database_size(d.oid), "
                    + "current_setting('data_directory') FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace "
                    + "WHERE d.datname = " + PostgresRestore.literal(database)), QUICK).strip();
        } catch (IOException e) {
            return Optional.of("the server's settings could not be read (" + e.getMessage() + ")");
        }
        String[] fields = row.split("\\|", 4);
        if (fields.length < 4) {
            return Optional.of("the server does not list database " + database);
        }
        if (!fields[0].equals("t")) {
            return Optional.of("database " + database + " refuses connections (ALLOW_CONNECTIONS false)");
        }
        if (!fields[1].equals("t")) {
            return Optional.of("database " + database + " lies outside the default tablespace");
        }
        long size = Long.parseLong(fields[2]);
        long free;
        try {
            String df = exec.output(target.containerId(), List.of("df", "-Pk", fields[3]), QUICK);
            String[] columns = df.lines().skip(1).findFirst().orElse("").trim().split("\\s+");
            free = Long.parseLong(columns[3]) * 1024;
        } catch (IOException | RuntimeException e) {
            return Optional.of("the free room on the server's disk could not be read (" + e.getMessage() + ")");
        }
        if (free < size + size / 10 + HEADROOM) {
            return Optional.of("the server's disk has " + (free >> 20) + " MiB free, too little for a second copy of "
                    + "database " + database + " (" + (size >> 20) + " MiB)");
        }
        return Optional.empty();
    }

    /**
     * Makes {@code copy} from {@code database}: connections to it refused and the open ones closed,
     * the files copied, connections allowed again (also when the copy failed).
     *
     * @throws IOException saying why the server did not make it (nothing is left of it then)
     */
    public void make(String containerId, String user, String database, String copy) throws IOException {
        String db = identifier(database);
        try {
            String version = psql(containerId, user, List.of("SHOW server_version_num"), QUICK).strip();
            // before 15 a file copy is the only way; from 15 the default writes the whole copy to WAL
            String strategy = Integer.parseInt(version) >= 150000 ? " STRATEGY FILE_COPY" : "";
            psql(containerId, user, List.of("ALTER DATABASE " + db + " ALLOW_CONNECTIONS false",
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = "
                            + PostgresRestore.literal(database) + " AND pid <> pg_backend_pid()",
                    "CREATE DATABASE " + identifier(copy) + " TEMPLATE " + db + strategy), COPYING);
        } finally {
            allowConnections(containerId, user, database);
        }
    }

    /** Connections to {@code database} allowed again, as they were before the copy. */
    public void allowConnections(String containerId, String user, String database) throws IOException {
        psql(containerId, user, List.of("ALTER DATABASE " + identifier(database) + " ALLOW_CONNECTIONS true"), COPYING);
    }

    /** Drops {@code copy} if it is there (nobody but the sidecar knows it, so nobody is connected). */
    public void drop(String containerId, String user, String copy) throws IOException {
        psql(containerId, user, List.of("DROP DATABASE IF EXISTS " + identifier(copy)), COPYING);
    }

    /** Whether the server holds {@code copy}. */
    public boolean exists(String containerId, String user, String copy) throws IOException {
        return !psql(containerId, user, List.of("SELECT count(*) FROM pg_database WHERE datname = "
                + PostgresRestore.literal(copy)), QUICK).strip().equals("0");
    }

    /**
     * Waits while a statement naming {@code copy} runs in the server: a CREATE DATABASE whose psql
     * outlived the sidecar that started it goes on in the container, and the copy it makes appears
     * only when it ends.
     */
    public void awaitNoStatementOn(String containerId, String user, String copy) throws IOException, InterruptedException {
        java.time.Instant giveUp = java.time.Instant.now().plus(COPYING);
        while (!psql(containerId, user, List.of("SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                + "AND state = 'active' AND strpos(query, " + PostgresRestore.literal(identifier(copy)) + ") > 0"), QUICK)
                .strip().equals("0")) {
            if (java.time.Instant.now().isAfter(giveUp)) {
                throw new IOException("the copy of " + copy + " still runs after " + COPYING.toHours() + " h");
            }
            Thread.sleep(1000);
        }
    }

    /** Each statement in a transaction of its own (CREATE DATABASE runs in none), stopping at the first error. */
    private String psql(String containerId, String user, List<String> statements, Duration timeout) throws IOException {
        List<String> command = new ArrayList<>(List.of("psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-U", user,
                "-d", "postgres"));
        for (String statement : statements) {
            command.addAll(List.of("-c", statement));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExecResult result = exec.run(containerId, command, timeout, out);
        if (!result.succeeded()) {
            throw new IOException(result.failure("psql"));
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
