package org.backrestsidecar.strategy;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.docker.ExecResult;
import org.backrestsidecar.docker.TailBuffer;
import org.backrestsidecar.quiesce.Quiesced;
import org.backrestsidecar.quiesce.Quiescer;
import org.backrestsidecar.volumes.Helper;
import org.backrestsidecar.volumes.Helpers;

/**
 * An app that keeps SQLite databases beside plain files (Open WebUI: webui.db, uploads/, and
 * Chroma's vector_db/chroma.sqlite3). Every SQLite database on the target's paths — found by its
 * file header, whatever its name, plus any named in {@code backup.sqlite.paths} — is copied online
 * with {@code VACUUM INTO} by the helper, which shares the target's volumes and so its locks, and
 * checked with {@code PRAGMA quick_check}; the copy is stored at the database's own path, in the
 * journal mode the database had. The other
 * files are stored live. If the helper has no sqlite3, the whole copy is made with the container paused.
 */
@ApplicationScoped
public class SqliteStrategy implements BackupStrategy {
    static final String PATHS = "sqlite.paths";
    private static final long COMMAND_NOT_FOUND = 127;
    private final VolumeCopy copy;
    private final Helpers helpers;
    private final Quiescer quiescer;

    public SqliteStrategy(VolumeCopy copy, Helpers helpers, Quiescer quiescer) {
        this.copy = copy;
        this.helpers = helpers;
        this.quiescer = quiescer;
    }

    @Override
    public String name() {
        return "sqlite";
    }

    @Override
    public boolean needsRunningContainer() {
        return false;
    }

    @Override
    public Set<String> optionKeys() {
        return Set.of(PATHS, "paths");
    }

    @Override
    public List<String> check(Map<String, String> options) {
        return databases(options.getOrDefault(PATHS, "")).stream().filter(p -> !p.startsWith("/"))
                .map(p -> PATHS + ": '" + p + "' must be an absolute path inside the container").toList();
    }

    @Override
    public void backUp(Target target, TargetBackup backup) throws Exception {
        List<String> paths = copy.paths(target);
        try (Helper helper = helpers.start(target, backup.repo(), false, backup.priority())) {
            Set<String> found = new LinkedHashSet<>(databases(target.option(PATHS).orElse("")));
            found.addAll(findDatabases(helper, paths, target.timeout()));
            List<String> databases = List.copyOf(found);
            List<String> excludes = new ArrayList<>();
            for (int i = 0; i < databases.size(); i++) {
                String db = databases.get(i);
                String snapshotCopy = "/tmp/backrest-sidecar-sqlite-" + i + ".db";
                // VACUUM INTO copies in one read transaction. The backup API (".backup") copies 100
                // pages a step and starts over whenever another process writes between steps: on a
                // database written every 50 ms it ends only when the writes stop, and with a rollback
                // journal it fails "database is locked" (bench/results.md)
                TailBuffer mode = new TailBuffer(4096);
                ExecResult made = helper.run(List.of("sqlite3", db, ".timeout 10000",
                        "VACUUM INTO '" + snapshotCopy + "'", "PRAGMA journal_mode;"), target.timeout(), mode);
                if (made.exitCode() == COMMAND_NOT_FOUND) {
                    backup.note("the helper image has no sqlite3: copied everything with the container paused");
                    copy.copyWith(helper, target, backup, paths, List.of(),
                            t -> quiescer.pause(t, backup.tags().plan(), backup.runId()));
                    return;
                }
                if (!made.succeeded()) {
                    throw new IOException(made.failure("sqlite3 VACUUM INTO, the online copy of " + db));
                }
                // the copy comes out with a rollback journal: restored, it is in WAL mode again, as the app had it
                if (mode.text().strip().equalsIgnoreCase("wal")) {
                    ExecResult wal = helper.run(List.of("sqlite3", snapshotCopy, "PRAGMA journal_mode=WAL;"),
                            target.timeout(), new TailBuffer(4096));
                    if (!wal.succeeded()) {
                        throw new IOException(wal.failure("sqlite3 PRAGMA journal_mode=WAL on the copy of " + db));
                    }
                }
                TailBuffer check = new TailBuffer(4096);
                ExecResult checked = helper.run(List.of("sqlite3", snapshotCopy, "PRAGMA quick_check;"),
                        target.timeout(), check);
                if (!checked.succeeded() || !check.text().strip().equals("ok")) {
                    throw new IOException("the online copy of " + db + " fails PRAGMA quick_check: " + check.text().strip());
                }
                SqliteTableCounts.Read copied = SqliteTableCounts.of(command -> helper.output(command, target.timeout()),
                        snapshotCopy);
                backup.counted(db, copied.counts());
                backup.summed(db, copied.sums());
                backup.stream(db.substring(1), out -> {
                    ExecResult r = helper.run(List.of("cat", snapshotCopy), target.timeout(), out);
                    return r.succeeded() ? Optional.empty() : Optional.of(r.failure("cat " + snapshotCopy));
                });
                // the live file and its journals would be a torn copy next to the good one
                excludes.addAll(List.of(db, db + "-wal", db + "-shm", db + "-journal"));
            }
            copy.copyWith(helper, target, backup, paths, excludes, t -> Quiesced.none());
        }
    }

    /**
     * Every regular file on {@code paths} that starts with SQLite's header ("SQLite format 3\0"),
     * whatever it is called; journals (-wal, -shm, -journal) have other headers and stay out.
     */
    private static List<String> findDatabases(Helper helper, List<String> paths, java.time.Duration timeout)
            throws IOException {
        List<String> command = new ArrayList<>(List.of("find"));
        command.addAll(paths);
        // the app writes on: a -wal or -shm file can vanish between find's listing and its look at it
        // (a checkpoint), which is no error here
        command.addAll(List.of("-ignore_readdir_race", "-type", "f", "-size", "+511c", "-exec", "sh", "-c",
                "for f; do [ \"$(head -c 15 \"$f\" 2>/dev/null)\" = 'SQLite format 3' ] && printf '%s\\n' \"$f\"; done; true",
                "find-sqlite", "{}", "+"));
        return helper.output(command, timeout).lines().filter(l -> l.startsWith("/")).sorted().toList();
    }

    private static List<String> databases(String list) {
        return Arrays.stream(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
