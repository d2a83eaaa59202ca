package org.backrestsidecar.restore;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.state.JournalFile;

/**
 * The restores under way that write over live data, on disk: what is being restored into what, where
 * its safety copy is, and which phase it reached, written before each step that a cut could leave
 * half done. If the sidecar dies in between (kill -9, OOM, a host reboot), the next start reads it
 * and puts whole data back before anything else ({@link RestoreRecovery}), as the quiesce journal
 * does for the containers a backup stopped.
 */
@ApplicationScoped
public class RestoreJournal {
    /**
     * Where a restore is: nothing written yet, writing over the live data, or the backup's data whole
     * in place; a Postgres database restored beside the live one is whole beside it at WRITTEN, and
     * SWITCHED once it has taken the live one's place.
     */
    public enum Phase { STOPPED, WRITING, WRITTEN, SWITCHED }

    /**
     * One restore under way. Which fields it fills depends on its kind; the factories below make each.
     *
     * @param safetySnapshot the snapshot holding the data from before, in {@code repo}; null until taken
     * @param snapshotPath   redis: the RDB's path in that snapshot
     * @param dir            redis: the folder, inside the container, of the RDB being replaced;
     *                       postgres: the folder of the dump pg_restore reads
     * @param file           redis: the RDB's name; postgres: the dump's name (its exit code goes beside it)
     * @param paths          files: the live paths, each written back whole from the safety snapshot
     * @param journals       files: those of them that are SQLite databases
     * @param database       postgres: the database pg_restore writes
     * @param image          postgres-wal: the server's image, whose tools put its data folder back
     * @param kept           postgres-wal: the kept folder being put back in the live one's place, or
     *                       null when a base backup is laid down ({@code dir} is PGDATA, {@code file}
     *                       the folder the live data is moved aside into); postgres-dump: the
     *                       database's safety copy inside the server, or null; postgres-beside: the
     *                       name the live database is renamed to, kept as the data from before
     */
    public record Entry(String restoreId, String target, String containerId, String kind, Phase phase, String repo,
                        String safetySnapshot, String snapshotPath, String dir, String file, List<String> paths,
                        List<String> journals, String database, String image, String kept, Instant at,
                        List<String> mounts) {
        public static final String REDIS = "redis";

        public Entry {
            // an entry a version before mounts were kept wrote has none
            mounts = mounts == null ? List.of() : mounts;
        }

        public static final String FILES = "files";
        /** pg_restore in one transaction: all of the dump or nothing. */
        public static final String POSTGRES_DUMP = "postgres-dump";
        /** pg_restore --create of a database that did not exist: not one transaction. */
        public static final String POSTGRES_CREATE = "postgres-create";
        /**
         * pg_restore into a database of its own beside the live one, which then takes the live one's
         * name in one transaction (the live one renamed aside): all of the dump or nothing.
         */
        public static final String POSTGRES_BESIDE = "postgres-beside";
        /** A wal-mode server's data folder replaced over the live server. */
        public static final String POSTGRES_WAL = "postgres-wal";
        /** A wal-mode server made beside the live one: a new container and volume. */
        public static final String POSTGRES_WAL_NEW = "postgres-wal-new";

        /**
         * An RDB about to be written over, its safety copy in {@code safetySnapshot} at {@code snapshotPath};
         * {@code mounts} as for {@link #files}.
         */
        public static Entry redis(String restoreId, String target, String containerId, String repo,
                                  String safetySnapshot, String snapshotPath, String dir, String file,
                                  List<String> mounts) {
            return new Entry(restoreId, target, containerId, REDIS, Phase.STOPPED, repo, safetySnapshot, snapshotPath,
                    dir, file, List.of(), List.of(), null, null, null, Instant.now(), List.copyOf(mounts));
        }

        /**
         * Volume paths about to be replaced; the safety snapshot comes with {@link #withSafety}.
         *
         * @param mounts the container's mounts (volumes/Helpers.mountsOf) when it will be gone while
         *               the paths are written (a Swarm task scaled to 0), else empty
         */
        public static Entry files(String restoreId, String target, String containerId, String repo, List<String> paths,
                                  List<String> journals, List<String> mounts) {
            return new Entry(restoreId, target, containerId, FILES, Phase.STOPPED, repo, null, null, null, null,
                    List.copyOf(paths), List.copyOf(journals), null, null, null, Instant.now(), List.copyOf(mounts));
        }

        /**
         * A pg_restore of {@code database} about to run in the container, reading {@code dir/file}; or,
         * at {@link Phase#STOPPED} with no dump yet, the safety copy {@code copy} being made inside the
         * server (its connections refused meanwhile). At {@link Phase#WRITTEN} the copy is being saved
         * into the repo.
         *
         * @param copy the database's safety copy inside the server (postgres/RestoreBeside), or null
         */
        public static Entry postgresDump(String restoreId, String target, String containerId, String database,
                                         boolean oneTransaction, String dir, String file, String copy) {
            return new Entry(restoreId, target, containerId, oneTransaction ? POSTGRES_DUMP : POSTGRES_CREATE,
                    Phase.STOPPED, null, null, null, dir, file,
                    List.of(), List.of(), database, null, copy, Instant.now(), List.of());
        }

        /**
         * A restore of {@code database} beside it: at {@link Phase#STOPPED} the database beside being
         * made, at {@link Phase#WRITING} pg_restore writing it from {@code dir/file}, at
         * {@link Phase#WRITTEN} it whole, about to be switched in, at {@link Phase#SWITCHED} in the
         * live one's place (the live one renamed {@code aside}, being saved into the repo).
         *
         * (The database beside has a name of the restore's own, postgres/RestoreBeside.besideName.)
         *
         * @param aside  the name the live database takes when the restored one takes its place
         */
        public static Entry postgresBeside(String restoreId, String target, String containerId, String database,
                                           String aside, String dir, String file) {
            return new Entry(restoreId, target, containerId, POSTGRES_BESIDE, Phase.STOPPED, null, null, null, dir,
                    file, List.of(), List.of(), database, null, aside, Instant.now(), List.of());
        }

        /**
         * The data folder of a stopped wal-mode server about to be moved aside into {@code aside} and
         * replaced by a base backup (or by the folder {@code kept} beside it).
         *
         * @param mounts the server's mounts (volumes/Helpers.mountsOf) when its container will be gone
         *               while the folder is replaced (a Swarm task scaled to 0), else empty
         */
        public static Entry postgresWal(String restoreId, String target, String containerId, String image,
                                        String pgdata, String aside, String kept, List<String> mounts) {
            return new Entry(restoreId, target, containerId, POSTGRES_WAL, Phase.STOPPED, null, null, null, pgdata,
                    aside, List.of(), List.of(), null, image, kept, Instant.now(), List.copyOf(mounts));
        }

        /** A server being made beside the live one in container {@code containerId} (its volume {@code volume}). */
        public static Entry postgresWalNew(String restoreId, String target, String containerId, String volume) {
            return new Entry(restoreId, target, containerId, POSTGRES_WAL_NEW, Phase.WRITING, null, null, null, null,
                    volume, List.of(), List.of(), null, null, null, Instant.now(), List.of());
        }

        /** The same restore, now at {@code next}. */
        public Entry at(Phase next) {
            return new Entry(restoreId, target, containerId, kind, next, repo, safetySnapshot, snapshotPath, dir, file,
                    paths, journals, database, image, kept, Instant.now(), mounts);
        }

        /** The same restore, its safety snapshot taken. */
        public Entry withSafety(String snapshot) {
            return new Entry(restoreId, target, containerId, kind, phase, repo, snapshot, snapshotPath, dir, file,
                    paths, journals, database, image, kept, Instant.now(), mounts);
        }
    }

    private static final TypeReference<List<Entry>> LIST = new TypeReference<>() {
    };
    /**
     * For the crash tests only (crash/RestoreCutOffIT): the phase after whose recording the sidecar
     * stops dead, {@code Runtime.halt} as a {@code kill -9} does (no finally, no shutdown hook), so
     * that a test aims at a moment too short to hit from outside (the backup's data whole in place,
     * its container not yet started). Unset, as everywhere else, it does nothing.
     */
    static final String HALT_AFTER = "SIDECAR_CRASH_TEST_HALT_AFTER";
    private final JournalFile<Entry> file;
    private final String haltAfter;

    public RestoreJournal(SidecarConfig config, ObjectMapper json) {
        this.file = new JournalFile<>(config.stateDir().resolve("restores-under-way.json"), json, LIST, "the restore journal");
        this.haltAfter = System.getenv(HALT_AFTER);
    }

    /** Records {@code entry}, replacing what was recorded of the same restore. */
    public synchronized Entry record(Entry entry) {
        List<Entry> all = new ArrayList<>(pending());
        all.removeIf(e -> e.restoreId().equals(entry.restoreId()));
        all.add(entry);
        write(all);
        if (haltAfter != null && entry.phase() != null && haltAfter.equals(entry.phase().name())) {
            Runtime.getRuntime().halt(137);
        }
        return entry;
    }

    public synchronized void done(String restoreId) {
        List<Entry> all = new ArrayList<>(pending());
        if (all.removeIf(e -> e.restoreId().equals(restoreId))) {
            write(all);
        }
    }

    public synchronized List<Entry> pending() {
        return file.read();
    }

    private void write(List<Entry> entries) {
        file.write(entries);
    }
}
