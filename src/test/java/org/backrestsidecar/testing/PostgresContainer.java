package org.backrestsidecar.testing;

import java.time.Duration;
import java.util.Map;

/**
 * A real Postgres 15 in a container of the test image, laid out like the official image (socket in
 * /var/run/postgresql, local trust), so that the sidecar's docker exec pg_dump is what users get.
 */
public final class PostgresContainer {
    private static final String BIN = "/usr/lib/postgresql/15/bin/";
    /** Prepared transactions allowed: crash/RestoreCutOffIT holds a lock with one, which closing sessions does not end. */
    private static final String SCRIPT = "mkdir -p /var/run/postgresql && chown postgres:postgres /var/run/postgresql"
            + " && su postgres -s /bin/sh -c '" + BIN + "initdb -D /tmp/pgdata -U postgres --auth=trust >/tmp/initdb.log"
            + " && exec " + BIN + "postgres -D /tmp/pgdata -c listen_addresses= -c fsync=off -c max_prepared_transactions=5'";

    private final String name;
    private final String id;

    private PostgresContainer(String name, String id) {
        this.name = name;
        this.id = id;
    }

    public static PostgresContainer start(String name, Map<String, String> labels) {
        return started(name, TestDocker.start(name, labels, SCRIPT));
    }

    /**
     * Postgres with its data on a volume at {@code dataDir}, a folder the image does not have, and a
     * command that prepares the mount point (chown) before initdb, as many images' entrypoints do.
     */
    public static PostgresContainer startOnVolume(String name, Map<String, String> labels, String dataDir) {
        String script = "chown postgres:postgres " + dataDir + " && " + SCRIPT.replace("/tmp/pgdata", dataDir + "/db");
        return started(name, TestDocker.container(name).labels(labels).volume(dataDir).start(script));
    }

    /**
     * As {@link #startOnVolume}, on the test's network {@code network} as {@code name}, listening there
     * with every host trusted (the official image's pg_hba for POSTGRES_HOST_AUTH_METHOD=trust): a
     * database an app in another container uses by its service name.
     */
    public static PostgresContainer startOnVolumeIn(String name, Map<String, String> labels, String dataDir,
                                                    String network) {
        String data = dataDir + "/db";
        String script = "chown postgres:postgres " + dataDir + " && " + SCRIPT.replace("/tmp/pgdata", data)
                .replace(" >/tmp/initdb.log", " >/tmp/initdb.log && echo \"host all all all trust\" >> " + data
                        + "/pg_hba.conf").replace("listen_addresses=", "listen_addresses=\"*\"");
        return started(name, TestDocker.container(name).labels(labels).volume(dataDir).network(network, name)
                .start(script));
    }

    /**
     * Postgres laid out as the official image runs it: its data folder on a volume at
     * /var/lib/postgresql/data (PGDATA), initdb only when that folder is empty (so a restored folder
     * is started as it is), listening on every address, initdb's pg_hba (local and 127.0.0.1
     * replication trusted).
     */
    public static PostgresContainer startOfficialLike(String name, Map<String, String> labels) {
        return startOfficialLike(name, labels, "");
    }

    /** The same, initdb given {@code initdbArgs} too (POSTGRES_INITDB_ARGS of the official image). */
    public static PostgresContainer startOfficialLike(String name, Map<String, String> labels, String initdbArgs) {
        return startOfficialLike(name, labels, initdbArgs, TestDocker.IMAGE, BIN);
    }

    /** The same on Postgres 17 (Debian trixie's, with pg_combinebackup), with data checksums as {@link #startWalTarget}. */
    public static PostgresContainer startOfficialLike17(String name, Map<String, String> labels) {
        return startOfficialLike(name, labels, "--data-checksums", TestDocker.POSTGRES_17_IMAGE, "/usr/lib/postgresql/17/bin/");
    }

    private static PostgresContainer startOfficialLike(String name, Map<String, String> labels, String initdbArgs,
                                                       String image, String bin) {
        String data = "/var/lib/postgresql/data";
        // the server is PID 1, as the image's gosu makes it, so that docker stop reaches it
        String asPostgres = "setpriv --reuid=postgres --regid=postgres --init-groups ";
        String script = "mkdir -p /var/run/postgresql && chown postgres:postgres /var/run/postgresql " + data
                + " && chmod 700 " + data + " && { [ -s " + data + "/PG_VERSION ] || " + asPostgres + bin + "initdb -D "
                + data + " -U postgres " + initdbArgs + " >/tmp/initdb.log; } && exec " + asPostgres + bin + "postgres -D " + data
                + " -c listen_addresses=* -c fsync=off";
        return started(name, TestDocker.container(name).image(image).labels(labels).env("PGDATA=" + data).volume(data)
                .start(script));
    }

    /**
     * A wal-mode target of the test sidecar's plan (checkpoint fast), official-like, with data
     * checksums (its drills read every page) and a small max_wal_size: what pg_wal holds beyond it
     * is what a slot holds. {@code more}: further labels.
     */
    public static PostgresContainer startWalTarget(String name, String plan, String maxWalSize, String... more) {
        String[] labels = new String[more.length + 4];
        System.arraycopy(new String[] {"backup.postgres.mode", "wal", "backup.postgres.checkpoint", "fast"}, 0, labels, 0, 4);
        System.arraycopy(more, 0, labels, 4, more.length);
        PostgresContainer pg = startOfficialLike(name, SidecarStack.labels(name, plan, labels), "--data-checksums");
        pg.sql("postgres", "ALTER SYSTEM SET max_wal_size = '" + maxWalSize + "'");
        pg.sql("postgres", "SELECT pg_reload_conf()");
        return pg;
    }

    private static PostgresContainer started(String name, String id) {
        PostgresContainer pg = new PostgresContainer(name, id);
        TestDocker.await("postgres in " + name + " to accept connections", Duration.ofSeconds(60),
                () -> TestDocker.exec(pg.id, "psql", "-U", "postgres", "-Atc", "select 1").exit() == 0);
        return pg;
    }

    public String id() {
        return id;
    }

    public String name() {
        return name;
    }

    public String sql(String database, String sql) {
        return TestDocker.exec(id, "psql", "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-Atc", sql).out();
    }

    /** A checksum of every row of a table, in key order: equal checksums mean equal data. */
    public String checksum(String database, String table) {
        return sql(database, "SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY t.id)) FROM " + table + " t");
    }

    /** Waits until no pg_basebackup runs in it: the one a killed sidecar read from ends once its reader is gone. */
    public void awaitNoBaseBackupProcess() {
        TestDocker.await("pg_basebackup to end with the sidecar gone", Duration.ofMinutes(2), () -> TestDocker.exec(id,
                "sh", "-c", "for p in /proc/[0-9]*; do [ \"$(cat $p/comm)\" = pg_basebackup ] && echo $p; done; true")
                .out().isBlank());
    }

    public void remove() {
        TestDocker.remove(name);
    }

    /** Removes it and the WAL stream the sidecar ran beside it (wal mode), where that is still there. */
    public void removeWithStream() {
        remove();
        try {
            TestDocker.client().removeContainerCmd("backrest-sidecar-wal-" + name).withForce(true).exec();
        } catch (RuntimeException e) {
            // the archiver removed it already
        }
    }
}
