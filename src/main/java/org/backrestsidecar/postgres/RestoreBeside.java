package org.backrestsidecar.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * A database restored over itself without touching it until the backup's data is whole: the dump
 * goes into a database of its own beside the live one ({@link #besideName}), made with the live
 * one's encoding, locale and owner; then, in one transaction, the live one is renamed aside
 * ({@link #asideName}), the restored one takes its name and the live one's owner, grants, comment,
 * connection limit and settings (its own and its roles' {@code ALTER ROLE … IN DATABASE}). The
 * database aside is the data from before, right up to the switch: the restore dumps it into the repo
 * as the safety snapshot, then drops it.
 *
 * <p>So the live database serves its old data all through the restore; its connections are closed
 * only for the switch, a few milliseconds of renames; a restore that fails drops the database beside
 * and leaves the live one as it was; and no copy of the live database is made before the restore
 * (it used to be, inside the server: a second each GB, connections refused meanwhile;
 * bench/results.md). Where it cannot be done (a logical replication slot, a subscription or a
 * prepared transaction bound to the database, which would stay with the one aside; a template; a
 * database outside the default tablespace; too little room for a second copy; a role that is not
 * a superuser, which may not move a database's settings), the restore takes a safety dump and
 * restores in place as before, and says why.
 */
@ApplicationScoped
public class RestoreBeside {
    /** Free room the server's disk keeps beside the restored database, over the live one's own size. */
    static final long HEADROOM = 256L << 20;
    private static final Duration QUICK = Duration.ofMinutes(2);
    /** Dropping a database removes its files. */
    private static final Duration DROPPING = Duration.ofHours(1);
    private static final String ASIDE = ".before-restore-";
    private static final String BESIDE = ".restoring-";
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The switch, in one transaction: the names come as session settings, so that no name is ever
     * written into the block's text. The live database's own properties are read before its rename
     * and given to the restored one; its settings rows are moved (their text is kept as the server
     * wrote it, which a new {@code ALTER DATABASE … SET} would have to quote by each setting's kind).
     */
    static final String SWITCH = """
            DO $switch$
            DECLARE
              live text := current_setting('backrest_sidecar.live');
              beside text := current_setting('backrest_sidecar.beside');
              aside text := current_setting('backrest_sidecar.aside');
              old pg_database;
              acl record;
            BEGIN
              SELECT * INTO STRICT old FROM pg_database WHERE datname = live;
              EXECUTE format('ALTER DATABASE %I RENAME TO %I', live, aside);
              EXECUTE format('ALTER DATABASE %I RENAME TO %I', beside, live);
              EXECUTE format('ALTER DATABASE %I OWNER TO %I', live, pg_get_userbyid(old.datdba));
              EXECUTE format('ALTER DATABASE %I CONNECTION LIMIT %s', live, old.datconnlimit);
              IF old.datacl IS NOT NULL THEN
                EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', live);
                EXECUTE format('REVOKE ALL ON DATABASE %I FROM %I', live, pg_get_userbyid(old.datdba));
                FOR acl IN SELECT * FROM aclexplode(old.datacl) LOOP
                  EXECUTE format('GRANT %s ON DATABASE %I TO %s%s', acl.privilege_type, live,
                    CASE WHEN acl.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(acl.grantee)) END,
                    CASE WHEN acl.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
                END LOOP;
              END IF;
              EXECUTE format('COMMENT ON DATABASE %I IS %L', live, shobj_description(old.oid, 'pg_database'));
              UPDATE pg_db_role_setting SET setdatabase = (SELECT oid FROM pg_database WHERE datname = live)
                WHERE setdatabase = old.oid;
            END
            $switch$""";
    private final ContainerExec exec;

    public RestoreBeside(ContainerExec exec) {
        this.exec = exec;
    }

    /**
     * The name the live database takes when the restored one takes its place: the database's (cut to
     * 30 bytes, whole characters) and the restore's, so that one left after a crash says whose it is.
     */
    public static String asideName(String database, String restoreId) {
        return named(database, ASIDE, restoreId);
    }

    /** The database the backup is restored into, beside the live one. */
    public static String besideName(String database, String restoreId) {
        return named(database, BESIDE, restoreId);
    }

    private static String named(String database, String tag, String restoreId) {
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
        return kept + tag + restoreId.substring(0, Math.min(8, restoreId.length()));
    }

    /** A name as an SQL identifier: double quotes doubled. */
    static String identifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /**
     * What the restore learns of the live database before it begins: why it cannot go beside it
     * ({@code whyNot}, else empty), and its pg_database row as {@code to_jsonb} gives it, with its
     * owner's, encoding's and tablespace's names ({@code row}; null when it cannot).
     */
    public record Live(Optional<String> whyNot, JsonNode row) {
        static Live cannot(String why) {
            return new Live(Optional.of(why), null);
        }
    }

    /**
     * $0 the role, $1 the query: its row, then the line of {@code df} for the server's data folder.
     * One exec for all the restore asks first (each exec costs a round through the engine).
     */
    static final String LOOK = "psql -X -q -At -v ON_ERROR_STOP=1 -U \"$0\" -d postgres -c \"$1\" || exit 1\n"
            + "df -Pk \"$(psql -X -q -At -U \"$0\" -d postgres -c 'SHOW data_directory')\" | tail -n 1";

    /** Looks at {@code database} in the server and at the disk of its data folder. */
    public Live look(Target target, String user, String database) throws IOException {
        String answer;
        try {
            answer = exec.output(target.containerId(), List.of("sh", "-c", LOOK, user, "SELECT d.datallowconn, "
                    + "d.datistemplate, t.spcname = 'pg_default', pg_database_size(d.oid), "
                    + "current_setting('data_directory'), (SELECT rolsuper FROM pg_roles WHERE rolname = current_user), "
                    + "(SELECT count(*) FROM pg_replication_slots s WHERE s.database = d.datname), "
                    + "(SELECT count(*) FROM pg_subscription s WHERE s.subdbid = d.oid), "
                    + "(SELECT count(*) FROM pg_prepared_xacts x WHERE x.database = d.datname), "
                    + "to_jsonb(d) || jsonb_build_object('owner', pg_get_userbyid(d.datdba), 'encoding_name', "
                    + "pg_encoding_to_char(d.encoding), 'tablespace', t.spcname) "
                    + "FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace WHERE d.datname = "
                    + PostgresRestore.literal(database)), QUICK);
        } catch (IOException e) {
            return Live.cannot("the server's settings could not be read (" + e.getMessage() + ")");
        }
        return read(database, answer);
    }

    /** {@link #LOOK}'s answer read: the query's row, then df's line. */
    static Live read(String database, String answer) throws IOException {
        List<String> lines = answer.lines().toList();
        String[] fields = lines.isEmpty() ? new String[0] : lines.get(0).split("\\|", 10);
        if (fields.length < 10) {
            return Live.cannot("the server does not list database " + database);
        }
        JsonNode row = JSON.readTree(fields[9]);
        String why = why(database, fields);
        if (why != null) {
            return new Live(Optional.of(why), row);
        }
        long size = Long.parseLong(fields[3]);
        long free;
        try {
            String[] columns = lines.get(lines.size() - 1).trim().split("\\s+");
            free = Long.parseLong(columns[3]) * 1024;
        } catch (RuntimeException e) {
            return new Live(Optional.of("the free room on the server's disk could not be read (" + answer.strip()
                    + ")"), row);
        }
        if (free < size + size / 10 + HEADROOM) {
            return new Live(Optional.of("the server's disk has " + (free >> 20) + " MiB free, too little for a "
                    + "second copy of database " + database + " (" + (size >> 20) + " MiB) beside it"), row);
        }
        return new Live(Optional.empty(), row);
    }

    /**
     * What in the server's answer (allows connections, is a template, default tablespace, size, data
     * folder, superuser, logical slots, subscriptions, prepared transactions) keeps the restore from
     * going beside the database; null when nothing does.
     */
    static String why(String database, String[] fields) {
        if (!fields[0].equals("t")) {
            return "database " + database + " refuses connections (ALLOW_CONNECTIONS false)";
        }
        if (fields[1].equals("t")) {
            return "database " + database + " is a template";
        }
        if (!fields[2].equals("t")) {
            return "database " + database + " lies outside the default tablespace";
        }
        if (!fields[5].equals("t")) {
            return "the restore's role is not a superuser, which may not move the database's settings";
        }
        if (!fields[6].equals("0")) {
            return "a logical replication slot is bound to database " + database + " and would stay with the old one";
        }
        if (!fields[7].equals("0")) {
            return "a subscription is bound to database " + database + " and would stay with the old one";
        }
        if (!fields[8].equals("0")) {
            return "a prepared transaction holds database " + database;
        }
        return null;
    }

    /** Makes {@code beside}, empty, with the encoding, locale, tablespace and owner of the database {@code live} read. */
    public void makeBeside(String containerId, String user, Live live, String beside) throws IOException {
        psql(containerId, user, "postgres", List.of(createLike(live.row(), beside)), DROPPING);
    }

    /**
     * CREATE DATABASE {@code name} as the database whose pg_database row (and owner, encoding and
     * tablespace names) {@code live} holds: the columns of the server's own version (a locale
     * provider from Postgres 15, ICU's locale in {@code daticulocale} up to 16, {@code datlocale} from 17).
     */
    static String createLike(JsonNode live, String name) {
        StringBuilder sql = new StringBuilder("CREATE DATABASE " + identifier(name) + " WITH TEMPLATE template0 OWNER "
                + identifier(live.path("owner").asText()) + " ENCODING " + PostgresRestore.literal(live.path(
                "encoding_name").asText()) + " LC_COLLATE " + PostgresRestore.literal(live.path("datcollate").asText())
                + " LC_CTYPE " + PostgresRestore.literal(live.path("datctype").asText()));
        String locale = text(live, "datlocale");
        if (locale == null) {
            locale = text(live, "daticulocale");
        }
        switch (live.path("datlocprovider").asText("")) {
            case "i" -> {
                sql.append(" LOCALE_PROVIDER icu ICU_LOCALE ").append(PostgresRestore.literal(locale));
                String rules = text(live, "daticurules");
                if (rules != null) {
                    sql.append(" ICU_RULES ").append(PostgresRestore.literal(rules));
                }
            }
            case "b" -> sql.append(" LOCALE_PROVIDER builtin BUILTIN_LOCALE ").append(PostgresRestore.literal(locale));
            case "c" -> sql.append(" LOCALE_PROVIDER libc");
            default -> { } // before Postgres 15: libc only
        }
        return sql.append(" TABLESPACE ").append(identifier(live.path("tablespace").asText())).toString();
    }

    private static String text(JsonNode row, String field) {
        JsonNode value = row.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    /**
     * Puts {@code beside} in the place of {@code database}, which is renamed {@code aside}: connections
     * to the live one refused and the open ones closed, then the renames and its properties in one
     * transaction ({@link #SWITCH}); connections allowed again to whichever database the live one is
     * now (the one aside is dumped next). A switch that fails changes nothing.
     */
    public void switchIn(String containerId, String user, String database, String beside, String aside)
            throws IOException {
        // a database cannot be renamed from a session connected to it
        String from = maintenance(database);
        try {
            psql(containerId, user, from, List.of(
                    "ALTER DATABASE " + identifier(database) + " ALLOW_CONNECTIONS false",
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = "
                            + PostgresRestore.literal(database) + " AND pid <> pg_backend_pid()",
                    "SELECT set_config('backrest_sidecar.live', " + PostgresRestore.literal(database) + ", false), "
                            + "set_config('backrest_sidecar.beside', " + PostgresRestore.literal(beside) + ", false), "
                            + "set_config('backrest_sidecar.aside', " + PostgresRestore.literal(aside) + ", false)",
                    SWITCH), QUICK);
        } finally {
            // whichever database the live one is now (the caller reads which from the names when this
            // failed: an answer lost after the commit is no proof that nothing was switched)
            String live = exists(containerId, user, beside) ? database : aside;
            allowConnections(containerId, user, live);
        }
    }

    /** Where the sidecar connects to work on {@code database}: never that database itself. */
    static String maintenance(String database) {
        return database.equals("postgres") ? "template1" : "postgres";
    }

    /** Connections to {@code database} allowed again. */
    public void allowConnections(String containerId, String user, String database) throws IOException {
        psql(containerId, user, maintenance(database), List.of("ALTER DATABASE " + identifier(database)
                + " ALLOW_CONNECTIONS true"), QUICK);
    }

    /**
     * Drops {@code name} if it is there; nobody but the sidecar knows it, so whoever is connected is
     * a pg_restore of the sidecar's, closed first (DROP waits a few seconds for them to go; its FORCE
     * came only with Postgres 13).
     */
    public void drop(String containerId, String user, String name) throws IOException {
        psql(containerId, user, maintenance(name), List.of("SELECT count(pg_terminate_backend(pid)) FROM "
                + "pg_stat_activity WHERE datname = " + PostgresRestore.literal(name) + " AND pid <> pg_backend_pid()",
                "DROP DATABASE IF EXISTS " + identifier(name)), DROPPING);
    }

    /** Whether the server holds a database named {@code name}. */
    public boolean exists(String containerId, String user, String name) throws IOException {
        return !psql(containerId, user, maintenance(name), List.of("SELECT count(*) FROM pg_database WHERE datname = "
                + PostgresRestore.literal(name)), QUICK).strip().equals("0");
    }

    /**
     * Waits while a statement naming {@code name} runs in the server: a CREATE DATABASE whose psql
     * outlived the sidecar that started it goes on in the container.
     */
    public void awaitNoStatementOn(String containerId, String user, String name) throws IOException, InterruptedException {
        java.time.Instant giveUp = java.time.Instant.now().plus(DROPPING);
        while (!psql(containerId, user, maintenance(name), List.of("SELECT count(*) FROM pg_stat_activity WHERE pid <> "
                + "pg_backend_pid() AND state = 'active' AND strpos(query, " + PostgresRestore.literal(identifier(name))
                + ") > 0"), QUICK).strip().equals("0")) {
            if (java.time.Instant.now().isAfter(giveUp)) {
                throw new IOException("a statement on " + name + " still runs after " + DROPPING.toHours() + " h");
            }
            Thread.sleep(1000);
        }
    }

    /**
     * Each statement in a transaction of its own (CREATE DATABASE runs in none), in one session (the
     * switch's names are its settings), stopping at the first error.
     */
    private String psql(String containerId, String user, String database, List<String> statements, Duration timeout)
            throws IOException {
        List<String> command = new ArrayList<>(List.of("psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-U", user,
                "-d", database));
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
