package org.backrestsidecar.postgres;

import org.backrestsidecar.jobs.Daemons;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.regex.Pattern;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.docker.ContainerExec;
import org.backrestsidecar.docker.ExecResult;
import org.backrestsidecar.docker.TailBuffer;
import org.backrestsidecar.progress.Progress;
import org.backrestsidecar.restic.Snapshot;
import org.backrestsidecar.postgres.PostgresStrategy;
import org.backrestsidecar.restore.BackupSet;
import org.backrestsidecar.restore.RestoreJob;
import org.backrestsidecar.restore.RestoreJournal;
import org.backrestsidecar.restore.RestoreRefused;
import org.backrestsidecar.restore.RestoreRequest;
import org.backrestsidecar.restore.SafetySnapshots;
import org.backrestsidecar.restore.SnapshotFiles;
import org.backrestsidecar.restore.TargetRestore;

/**
 * A database back into its Postgres, or into a new database beside it. The dump is streamed out of
 * the repo into the container in parts, which {@code pg_restore --clean --if-exists
 * --single-transaction} reads on its stdin as they come: one transaction, so a restore that fails
 * halfway, or whose stream is cut, leaves the database exactly as it was. A database the server lacks is made from the dump copied in first
 * ({@code pg_restore --create} reads its table of contents).
 */
@ApplicationScoped
public class PostgresRestore implements TargetRestore {
    /** Any name Postgres takes (quoted), but '/', which would nest the dump's path, and control characters. */
    private static final Pattern NAME = Pattern.compile("[^/\\p{Cntrl}]{1,63}");
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(PostgresRestore.class);
    private static final Duration QUICK = Duration.ofMinutes(2);
    /** How long a pg_restore that outlived the sidecar is waited for before the record gives up on it. */
    private static final Duration LONGEST_PG_RESTORE = Duration.ofHours(24);
    private static final Duration POLL = Duration.ofSeconds(3);
    /** Beside the dump: pg_restore's exit code, written when it ends. */
    static final String EXIT_SUFFIX = ".exit";
    /**
     * Beside the dump: there from the moment pg_restore is about to begin, so a cut before it is known;
     * it holds the process id of the shell that waits for pg_restore and writes its exit code.
     */
    static final String STARTED_SUFFIX = ".started";
    /** $0 the dump, then the command: marks the start, runs it, keeps its exit code beside the dump. */
    static final String EXIT_KEPT = keepingExit("\"$@\"");
    /** As {@link #EXIT_KEPT}, the command reading the dump on its stdin as its parts come ({@link SnapshotFiles#READ_PARTS}). */
    static final String EXIT_KEPT_FED = keepingExit("(\n" + SnapshotFiles.READ_PARTS + ") | \"$@\"");
    /** $0 the dump: it and all beside it removed. */
    static final String REMOVE_BESIDE = "rm -f \"$0\" \"$0\".*";
    /** How long the dump's stream is waited for once pg_restore ended (a stream whose reader stopped ends quickly). */
    private static final Duration FEEDING_ENDS = Duration.ofMinutes(10);
    private final long partSize;

    private static String keepingExit(String run) {
        return "echo $$ > \"$0" + STARTED_SUFFIX + "\" || exit 1\n" + run + "\nrc=$?; "
                + "echo $rc > \"$0" + EXIT_SUFFIX + ".tmp\" && mv \"$0" + EXIT_SUFFIX + ".tmp\" \"$0" + EXIT_SUFFIX
                + "\"; exit $rc";
    }
    /**
     * $0 the dump: what became of a pg_restore the sidecar did not see end — "exit N", "running", "not
     * started" or "gone". Running means the shell of EXIT_KEPT lives, not pg_restore: between
     * pg_restore's end and its exit code on disk only the shell does, and a look that fell there took a
     * restore that ended well for one that vanished. The exit code is read once more after the look, so
     * a shell that ended during it is read by what it wrote. The shell is known by its command line
     * (the dump, then pg_restore), so another process given its id after a restart of the container is
     * not taken for it. An empty mark is an older version's shell: pg_restore itself is looked for.
     */
    static final String STATE = """
            if [ -f "$0.exit" ]; then echo "exit $(cat "$0.exit")"; exit 0; fi
            if [ ! -e "$0.started" ]; then echo "not started"; exit 0; fi
            shell=$(cat "$0.started")
            if [ -n "$shell" ]; then
              case "$(tr '\\0' ' ' 2>/dev/null < "/proc/$shell/cmdline")" in
                *"$0 pg_restore "*) echo running; exit 0;;
              esac
            else
              for p in /proc/[0-9]*; do
                case "$(tr '\\0' ' ' 2>/dev/null < "$p/cmdline")" in
                  pg_restore*"$0"*) echo running; exit 0;;
                esac
              done
            fi
            if [ -f "$0.exit" ]; then echo "exit $(cat "$0.exit")"; exit 0; fi
            echo gone
            """;
    private final PostgresStrategy postgres;
    private final SafetySnapshots safety;
    private final ContainerExec exec;
    private final SnapshotFiles snapshotFiles;
    private final RestoreJournal journal;
    private final com.github.dockerjava.api.DockerClient docker;
    private final RestoreBeside beside;
    private final String labelPrefix;

    public PostgresRestore(PostgresStrategy postgres, SafetySnapshots safety, ContainerExec exec,
                           SnapshotFiles snapshotFiles, RestoreJournal journal,
                           com.github.dockerjava.api.DockerClient docker, RestoreBeside beside,
                           org.backrestsidecar.config.SidecarConfig config,
                           @org.eclipse.microprofile.config.inject.ConfigProperty(name = "sidecar.restore.part-bytes",
                                   defaultValue = "33554432") long partSize) {
        this.partSize = partSize;
        this.labelPrefix = config.labelPrefix();
        this.beside = beside;
        this.docker = docker;
        this.journal = journal;
        this.postgres = postgres;
        this.safety = safety;
        this.exec = exec;
        this.snapshotFiles = snapshotFiles;
    }

    @Override
    public Set<String> strategies() {
        return Set.of("postgres");
    }

    /** A wal-mode target is restored as a whole server to a moment (postgres/pitr/PointInTimeRestore). */
    @Override
    public boolean handles(Target target) {
        return TargetRestore.super.handles(target) && !target.walMode();
    }

    @Override
    public void check(RestoreRequest request) {
        if (request.to() != null || request.newContainer() != null) {
            throw new RestoreRefused("to and newContainer are for postgres targets in wal mode (label "
                    + "backup.postgres.mode=wal); this one is backed up by dumps: give database (and newDatabase)");
        }
        if (request.path() != null) {
            throw new RestoreRefused("path is for file targets; a postgres target restores a database: give database");
        }
        if (request.database() == null && !request.wantsGlobals()) {
            throw new RestoreRefused("database is required for a postgres target (or globals: true for the roles)");
        }
        for (String name : new String[] {request.database(), request.newDatabase()}) {
            if (name != null && !NAME.matcher(name).matches()
                    || name != null && name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 63) {
                throw new RestoreRefused("'" + name + "' is not a database name this restore accepts (any name "
                        + "Postgres takes, up to 63 bytes, but for '/' and control characters)");
            }
        }
        if (request.newDatabase() != null && request.database() == null) {
            throw new RestoreRefused("newDatabase needs database: the one whose dump goes into it");
        }
    }

    @Override
    public boolean stopsTheContainer(RestoreRequest request) {
        return false; // pg_restore into the running server, in one transaction
    }

    @Override
    public boolean overwrites(RestoreRequest request) {
        return request.newDatabase() == null || request.wantsGlobals();
    }

    @Override
    public List<String> plan(Target target, BackupSet backup, RestoreRequest request) {
        List<String> lines = new ArrayList<>();
        if (request.wantsGlobals()) {
            dumpOf(target, backup, "globals.sql");
            lines.add("roles and tablespaces from /" + target.name() + "/globals.sql (existing roles are kept)");
        }
        if (request.database() != null) {
            dumpOf(target, backup, request.database() + ".dump");
            lines.add(request.newDatabase() == null
                    ? "database " + request.database() + " replaced by its dump of " + backup.shownTime()
                    : "new database " + request.newDatabase() + " from the dump of " + request.database() + " of "
                    + backup.shownTime() + " (" + request.database() + " untouched)");
        }
        return lines;
    }

    private Snapshot dumpOf(Target target, BackupSet backup, String file) {
        return backup.holding(target.name() + "/" + file).orElseThrow(() -> new NoSuchElementException(
                "backup " + backup.label() + " of " + target.name() + " holds no " + file + " (it holds: "
                        + String.join(", ", backup.dumps()) + ")"));
    }

    @Override
    public void restore(Target target, RepoConfig repo, BackupSet backup, RestoreRequest request, RestoreJob job)
            throws Exception {
        String user = PostgresStrategy.user(target);
        // on a new host (a recovery) only the image's own database exists: the others come from their dumps
        boolean missing = request.database() != null && request.newDatabase() == null
                && !beside.exists(target.containerId(), user, request.database());
        Dump dump = null;
        if (request.database() != null) {
            Snapshot snapshot = dumpOf(target, backup, request.database() + ".dump");
            String path = "/" + target.name() + "/" + request.database() + ".dump";
            if (missing) {
                // a missing database is made from the dump's own table of contents, read first: copied in whole
                FutureTask<String> copied = new FutureTask<>(() -> copyIn(target, repo, snapshot,
                        request.database() + ".dump", job.progress()));
                Daemons.start("restore-fetch-" + job.id(), copied);
                dump = Dump.copiedIn(copied);
            } else {
                // streamed into the container from the start (while the database beside is made, or the
                // safety dump taken), and read by pg_restore as it comes (bench/results.md "Postgres
                // restore against a hand pg_restore")
                // (the page follows the fetch into a new database; over a database it follows the steps,
                // as a safety dump may run beside it)
                Progress fetching = takesSafetyDump(request, false) ? new Progress() : job.progress();
                dump = Dump.streamed(new Feed(target, repo, snapshot, path, job.id(), fetching));
            }
        }
        try {
            // over a database the server has: restored beside it and switched in, unless something keeps
            // it from that (asked once the dump's fetch has begun, which does not wait for it)
            RestoreBeside.Live live = takesSafetyDump(request, missing)
                    ? beside.look(target, user, request.database()) : null;
            java.util.Optional<String> notBeside = live == null ? java.util.Optional.empty() : live.whyNot();
            if (live != null && notBeside.isEmpty()) {
                applyGlobals(target, repo, backup, request, job, user);
                restoreBeside(target, repo, backup, request, job, user, dump, live);
            } else {
                if (takesSafetyDump(request, missing)) {
                    job.note("safety copy by pg_dump into the repo, the restore in place: " + notBeside.get());
                    job.phase("safety snapshot of database " + request.database());
                    safety.take(postgres, target.withOption(PostgresStrategy.ONE_DATABASE, request.database()), repo,
                            job);
                }
                applyGlobals(target, repo, backup, request, job, user);
                restoreInPlace(target, repo, backup, request, job, user, missing, dump);
            }
        } finally {
            if (dump != null && dump.copied() != null) {
                try {
                    // also when the restore failed before it needed the dump: no copy (nor pg_restore's
                    // exit code beside it) stays behind in /tmp
                    removeBeside(target, dump.copied().get());
                } catch (ExecutionException e) {
                    // nothing was copied in (the restore says why when it needed it)
                }
            }
            if (dump != null && dump.feed() != null) {
                // stopped if the restore ended before pg_restore read it all; nothing of it stays in /tmp
                dump.feed().end();
            }
        }
    }

    /**
     * The dump of the database to restore: copied into the container's /tmp ({@code copied}, its path
     * there) or streamed into it in parts for pg_restore to read as they come ({@code feed}).
     */
    private record Dump(FutureTask<String> copied, Feed feed) {
        static Dump copiedIn(FutureTask<String> copied) {
            return new Dump(copied, null);
        }

        static Dump streamed(Feed feed) {
            return new Dump(null, feed);
        }
    }

    /**
     * A dump streamed into the container's /tmp in parts beside {@link #file}
     * ({@link SnapshotFiles#streamInParts}), started when made: its size read, then its parts put as
     * restic reads them. pg_restore reads them through {@link #EXIT_KEPT_FED}.
     */
    private final class Feed {
        final String file;
        private final Target target;
        private final java.util.concurrent.CompletableFuture<Integer> parts = new java.util.concurrent.CompletableFuture<>();
        private final java.util.concurrent.CountDownLatch firstIn = new java.util.concurrent.CountDownLatch(1);
        private final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        private final FutureTask<Void> feeding;

        Feed(Target target, RepoConfig repo, Snapshot snapshot, String path, String restoreId, Progress progress) {
            this.target = target;
            this.file = "/tmp/" + inContainer(path.substring(path.lastIndexOf('/') + 1));
            String dir = file.substring(0, file.lastIndexOf('/'));
            feeding = new FutureTask<>(() -> {
                try {
                    long size = snapshotFiles.size(repo, snapshot.id(), path);
                    parts.complete(SnapshotFiles.partsOf(size, partSize));
                    snapshotFiles.streamInParts(repo, snapshot.id(), path, size, partSize, target.containerId(), dir,
                            file.substring(dir.length() + 1), firstIn::countDown, stop::get, progress);
                } catch (Exception e) {
                    parts.completeExceptionally(e);
                    throw e;
                }
                return null;
            });
            Daemons.start("restore-feed-" + restoreId, feeding);
        }

        /** The number of parts, once the first is whole (pg_restore may begin); the feed's failure before that. */
        int firstIn() throws Exception {
            while (!firstIn.await(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                if (feeding.isDone()) {
                    awaited(feeding);
                    break;
                }
            }
            return parts.get();
        }

        /**
         * Stops the feed if it still runs (no part after the one under way) and waits for it: it puts its
         * parts whatever the reader does, and a reader that stopped lets it end quickly. Then removes all
         * it left beside {@link #file}. Its failure is only logged: pg_restore's exit code says what the
         * database holds.
         */
        void end() {
            if (stop.getAndSet(true)) {
                return; // ended already
            }
            try {
                feeding.get(FEEDING_ENDS.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                LOG.debugf("the stream of %s ended with: %s", file, e.getCause().getMessage());
            } catch (java.util.concurrent.TimeoutException e) {
                LOG.warnf("the stream of %s still runs %d s after the restore ended; left to itself", file,
                        FEEDING_ENDS.toSeconds());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            removeBeside(target, file);
        }
    }

    private static <T> T awaited(FutureTask<T> task) throws Exception {
        try {
            return task.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** The roles and tablespaces of globals.sql, when asked for: existing roles are kept. */
    private void applyGlobals(Target target, RepoConfig repo, BackupSet backup, RestoreRequest request, RestoreJob job,
                              String user) throws Exception {
        if (request.wantsGlobals()) {
            job.phase("applying globals.sql");
            String file = copyIn(target, repo, dumpOf(target, backup, "globals.sql"), "globals.sql", job.progress());
            try {
                // roles that exist already give errors and are kept as they are
                ExecResult applied = exec.run(target.containerId(), List.of("psql", "-X", "-q", "-U", user, "-d",
                        "postgres", "-f", file), target.timeout(), new TailBuffer(4096));
                if (!applied.stderr().isBlank()) {
                    job.note("globals.sql: " + applied.stderr().strip());
                }
                job.wrote("roles and tablespaces from globals.sql");
            } finally {
                remove(target, file);
            }
        }
    }

    /**
     * The database restored over itself, beside it ({@link RestoreBeside}): made empty beside the live
     * one, pg_restore into it as its dump streams in, switched in by renames, the live one's data
     * from before saved into the repo from its name aside, then dropped. Any failure before the
     * switch drops the database beside: the live one is as it was.
     */
    private void restoreBeside(Target target, RepoConfig repo, BackupSet backup, RestoreRequest request, RestoreJob job,
                               String user, Dump dump, RestoreBeside.Live live) throws Exception {
        String database = request.database();
        String into = RestoreBeside.besideName(database, job.id());
        String aside = RestoreBeside.asideName(database, job.id());
        String container = target.containerId();
        job.phase("creating database " + into + " beside database " + database);
        // from here a start after a kill drops the database beside (goesOnAfterCutOff)
        RestoreJournal.Entry entry = journal.record(RestoreJournal.Entry.postgresBeside(job.id(), target.name(),
                container, database, aside, null, null));
        boolean switched = false;
        try {
            beside.makeBeside(container, user, live, into);
            job.phase("restoring database " + database + " into database " + into + " beside it");
            String file = dump.feed().file;
            String dir = file.substring(0, file.lastIndexOf('/'));
            List<String> command = new ArrayList<>(List.of("sh", "-c", EXIT_KEPT_FED, file, "pg_restore", "-U", user,
                    "-d", into, "--single-transaction"));
            entry = journal.record(RestoreJournal.Entry.postgresBeside(job.id(), target.name(), container, database,
                    aside, dir, file.substring(dir.length() + 1)).at(RestoreJournal.Phase.WRITING));
            ExecResult restored;
            try {
                restored = exec.run(container, command, List.of(SnapshotFiles.PARTS_VARIABLE + "="
                        + dump.feed().firstIn()), target.timeout(), new TailBuffer(4096));
            } finally {
                dump.feed().end();
            }
            if (!restored.succeeded()) {
                throw new IOException(restored.failure("pg_restore") + " (database " + database + " is untouched: the "
                        + "backup went into database " + into + " beside it, which is dropped)");
            }
            entry = journal.record(entry.at(RestoreJournal.Phase.WRITTEN));
            job.phase("switching database " + database + " to the restored one");
            java.time.Instant started = java.time.Instant.now();
            try {
                beside.switchIn(container, user, database, into, aside);
            } catch (IOException e) {
                // the switch is one transaction: the names say whether it was made, whatever the answer said
                if (beside.exists(container, user, into) || !beside.exists(container, user, aside)) {
                    throw new IOException("the restored database could not be switched in (" + e.getMessage()
                            + "): database " + database + " is as it was, the restored one is dropped", e);
                }
                LOG.warnf("restore %s: the switch of %s answered %s, and was made", job.id(), database, e.getMessage());
            }
            switched = true;
            journal.record(entry.at(RestoreJournal.Phase.SWITCHED));
            job.wrote("database " + database + " from /" + target.name() + "/" + database + ".dump of "
                    + backup.shownTime());
            job.note("restored into database " + into + " beside database " + database + ", which served its data "
                    + "meanwhile, then switched in by renames in " + seconds(started) + " s (its connections closed for "
                    + "that time); the data from before, renamed " + aside + ", is dumped into the repo as the safety "
                    + "snapshot, then dropped");
        } finally {
            if (!switched) {
                try {
                    beside.drop(container, user, into);
                } catch (IOException e) {
                    job.note("the database restored beside it, " + into + ", could not be dropped (" + e.getMessage()
                            + "): drop it by hand");
                }
                journal.done(job.id());
            }
        }
        saveCopy(target, repo, user, database, aside, job);
        journal.done(job.id());
    }

    /**
     * The database written where it is: pg_restore {@code --clean} in one transaction over a database
     * the server has (its safety dump taken), into a new one, or {@code --create} of one it lacks.
     */
    private void restoreInPlace(Target target, RepoConfig repo, BackupSet backup, RestoreRequest request,
                                RestoreJob job, String user, boolean missing, Dump dump) throws Exception {
        if (request.database() == null) {
            return;
        }
        String into = request.newDatabase() == null ? request.database() : request.newDatabase();
        if (request.newDatabase() != null) {
            job.phase("creating database " + into);
            if (beside.exists(target.containerId(), user, into)) {
                throw new IOException("database " + into + " exists already; choose a new name or drop it first");
            }
            exec.output(target.containerId(), List.of("createdb", "-U", user, "-T", "template0", into), QUICK);
        }
        job.phase((missing ? "creating database " : "restoring database ") + into);
        List<String> command = new ArrayList<>(List.of("pg_restore", "-U", user));
        // the dump in the container; a streamed one comes in parts beside this name
        String file;
        String dumpedFrom = into;
        if (missing) {
            file = awaited(dump.copied());
            dumpedFrom = dumpedFrom(target, file);
            if (!dumpedFrom.equals(into)) {
                // a safety snapshot dumped from its database aside (RestoreBeside) names that database:
                // --create would make a database of that name
                exec.output(target.containerId(), List.of("createdb", "-U", user, "-T", "template0", into), QUICK);
                command.addAll(List.of("-d", into, "--exit-on-error"));
            } else {
                // CREATE DATABASE cannot run in a transaction; there is nothing to keep if it fails
                command.addAll(List.of("-d", "postgres", "--create", "--exit-on-error"));
            }
        } else {
            file = dump.feed().file;
            command.addAll(List.of("-d", into, "--single-transaction"));
        }
        if (request.newDatabase() == null && !missing) {
            command.addAll(List.of("--clean", "--if-exists"));
        }
        String dir = file.substring(0, file.lastIndexOf('/'));
        List<String> env = List.of();
        if (missing) {
            command.add(file);
        } else {
            env = List.of(SnapshotFiles.PARTS_VARIABLE + "=" + dump.feed().firstIn());
        }
        // pg_restore goes on in the container if the sidecar dies (a streamed dump whose parts stop
        // coming fails it, in its one transaction): its exit code is kept beside the dump, so that the
        // next start can tell what the database holds (RestoreRecovery)
        List<String> keepingExit = new ArrayList<>(List.of("sh", "-c", missing ? EXIT_KEPT : EXIT_KEPT_FED, file));
        keepingExit.addAll(command);
        journal.record(RestoreJournal.Entry.postgresDump(job.id(), target.name(), target.containerId(), into, !missing,
                dir, file.substring(dir.length() + 1), null).at(RestoreJournal.Phase.WRITING));
        ExecResult restored;
        try {
            restored = exec.run(target.containerId(), keepingExit, env, target.timeout(), new TailBuffer(4096));
        } catch (IOException | RuntimeException e) {
            journal.done(job.id());
            throw e;
        } finally {
            if (!missing) {
                dump.feed().end();
            } // a dump copied in whole is removed once the whole restore ends, whatever failed
        }
        if (!restored.succeeded()) {
            journal.done(job.id());
            throw new IOException(restored.failure("pg_restore") + (missing ? " (database " + into
                    + " did not exist before; what was made of it is left to look at)"
                    : " (one transaction: database " + into + " is as it was before)"));
        }
        job.wrote("database " + into + " from /" + target.name() + "/" + request.database() + ".dump of "
                + backup.shownTime());
        journal.done(job.id());
        if (missing) {
            job.note("database " + into + " did not exist: created from its dump" + (dumpedFrom.equals(into)
                    ? ", with its owner and settings" : " of its safety copy " + dumpedFrom + " (its tables and "
                    + "their owners; the database's own settings and grants are the server's defaults)"));
        }
    }

    /** The dump and everything beside it in the container (exit code, marks, parts not read). */
    private void removeBeside(Target target, String file) {
        try {
            exec.run(target.containerId(), List.of("sh", "-c", REMOVE_BESIDE, file), QUICK, new TailBuffer(1024));
        } catch (IOException e) {
            // in the container's /tmp, and gone with the container at the latest
        }
    }

    /**
     * After the switch: the database aside dumped into the repo as the database it was (the safety
     * snapshot, as a dump before the restore would be), then dropped. Failing that, the restore stands
     * and the database aside stays in the server, said on the job: it is then the only data from before.
     */
    private void saveCopy(Target target, RepoConfig repo, String user, String database, String copy, RestoreJob job) {
        job.phase("safety copy of database " + database + " saved into the repo");
        try {
            safety.take(postgres, target.withOption(PostgresStrategy.ONE_DATABASE, copy)
                    .withOption(PostgresStrategy.DUMPED_AS, database), repo, job);
        } catch (Exception e) {
            job.note("database " + database + " is restored, but its data from before could not be saved into the "
                    + "repo (" + e.getMessage() + "): it is kept in the server as database " + copy
                    + "; dump it or drop it once you no longer need it");
            LOG.warnf("restore %s: the safety copy %s stays in %s: %s", job.id(), copy, target.name(), e.getMessage());
            return;
        }
        dropCopy(target, user, copy, job);
    }

    private void dropCopy(Target target, String user, String copy, RestoreJob job) {
        try {
            beside.drop(target.containerId(), user, copy);
        } catch (IOException e) {
            job.note("the safety copy database " + copy + " could not be dropped (" + e.getMessage() + "): drop it by hand");
        }
    }

    private static String seconds(java.time.Instant since) {
        return String.format(java.util.Locale.ROOT, "%.1f", Duration.between(since, java.time.Instant.now()).toMillis() / 1000.0);
    }

    /** A database overwritten in place is dumped first; roles (kept, only added) and a new database are not. */
    @Override
    public boolean takesSafetySnapshot(RestoreRequest request) {
        return overwrites(request) && request.database() != null && request.newDatabase() == null;
    }

    private boolean takesSafetyDump(RestoreRequest request, boolean missing) {
        return takesSafetySnapshot(request) && !missing;
    }

    /** The database a dump was taken of, as its table of contents names it. */
    private String dumpedFrom(Target target, String file) throws IOException {
        return exec.output(target.containerId(), List.of("pg_restore", "-l", file), QUICK).lines()
                .filter(l -> l.startsWith(";     dbname: ")).map(l -> l.substring(";     dbname: ".length()))
                .findFirst().orElseThrow(() -> new IOException("the dump " + file + " names no database"));
    }

    /** A name as an SQL string literal: quotes doubled (standard_conforming_strings, Postgres's default since 9.1). */
    static String literal(String name) {
        return "'" + name.replace("'", "''") + "'";
    }

    /** Copies a dump into the container's /tmp, where its own tools read it; the caller removes it. */
    private String copyIn(Target target, RepoConfig repo, Snapshot snapshot, String file, Progress progress)
            throws Exception {
        String path = "/" + target.name() + "/" + file;
        String name = inContainer(file);
        snapshotFiles.copy(repo, snapshot.id(), path, target.containerId(), "/tmp", name, progress);
        return "/tmp/" + name;
    }

    /** A name of its own in the container's /tmp for {@code file} of the backup. */
    private static String inContainer(String file) {
        return "backrest-sidecar-restore-" + UUID.randomUUID().toString().substring(0, 8) + "-" + file;
    }

    private void remove(Target target, String... files) {
        List<String> command = new ArrayList<>(List.of("rm", "-f"));
        command.addAll(List.of(files));
        try {
            exec.run(target.containerId(), command, QUICK, new TailBuffer(1024));
        } catch (IOException e) {
            // the copy is in the container's /tmp and goes with the container at the latest
        }
    }

    /**
     * A dump's pg_restore is not stopped by the sidecar's death: it goes on in the Postgres container,
     * in one transaction (or into a database it creates), so the record waits for its exit code. A
     * restore beside the database is then undone, its database beside dropped, unless the switch was
     * made. (An entry with no dump or at WRITTEN is a safety copy an earlier version made inside the
     * server by CREATE DATABASE … TEMPLATE, with the live database's connections refused meanwhile.)
     */
    @Override
    public java.util.Optional<GoesOn> goesOnAfterCutOff(RestoreJournal.Entry entry) {
        if (RestoreJournal.Entry.POSTGRES_BESIDE.equals(entry.kind())) {
            return java.util.Optional.of(besideCutOff(entry));
        }
        if (!RestoreJournal.Entry.POSTGRES_DUMP.equals(entry.kind())
                && !RestoreJournal.Entry.POSTGRES_CREATE.equals(entry.kind())) {
            return java.util.Optional.empty();
        }
        String database = "database " + entry.database();
        if (entry.file() == null) {
            return java.util.Optional.of(new GoesOn("the sidecar stopped while the safety copy of " + database
                    + " was made inside the server, before anything was written; this record says what it holds once "
                    + "the copy has ended and connections to it are allowed again", () -> settleCopy(entry)));
        }
        if (entry.phase() == RestoreJournal.Phase.WRITTEN) {
            return java.util.Optional.of(new GoesOn("the sidecar stopped after pg_restore wrote " + database
                    + ", while it saved the data from before into the repo", () -> settleSaving(entry)));
        }
        return java.util.Optional.of(new GoesOn("the sidecar stopped while pg_restore wrote " + database
                + "; it goes on in " + entry.target() + ", and this record says what the "
                + "database holds once it ends", () -> settle(entry)));
    }

    private GoesOn besideCutOff(RestoreJournal.Entry entry) {
        String database = "database " + entry.database();
        String into = "database " + RestoreBeside.besideName(entry.database(), entry.restoreId());
        return switch (entry.phase()) {
            case STOPPED -> new GoesOn("the sidecar stopped while " + into + " was made beside " + database
                    + ", before anything was written; this record says what it holds once that has ended",
                    () -> settleBeside(entry));
            case WRITING -> new GoesOn("the sidecar stopped while pg_restore wrote the backup into " + into
                    + " beside " + database + "; it goes on in " + entry.target() + ", and this record says what "
                    + database + " holds once it ends", () -> settleBeside(entry));
            case WRITTEN, SWITCHED -> new GoesOn("the sidecar stopped as " + into + ", restored, was to take the "
                    + "place of " + database + ", or after", () -> settleSwitch(entry));
        };
    }

    /**
     * A restore beside the database cut before its switch: pg_restore (when it began) waited for, the
     * database beside dropped. The live one was never touched.
     */
    private String settleBeside(RestoreJournal.Entry entry) throws InterruptedException {
        String database = "database " + entry.database();
        String into = RestoreBeside.besideName(entry.database(), entry.restoreId());
        String restore = "pg_restore had not begun";
        try {
            if (entry.file() != null) {
                String dump = entry.dir() + "/" + entry.file();
                String state = awaitPgRestore(entry, dump);
                restore = switch (state) {
                    case "not started" -> "pg_restore had not begun";
                    case "exit 0" -> "pg_restore went on and ended well, but the sidecar was not there to switch it in";
                    case "running" -> "pg_restore still ran after " + LONGEST_PG_RESTORE.toHours() + " h";
                    default -> "pg_restore went on and ended " + (state.startsWith("exit ") ? "with " + state
                            : "without its exit code");
                };
                removeDump(entry, dump);
            }
            beside.awaitNoStatementOn(entry.containerId(), userOf(entry), into);
            beside.drop(entry.containerId(), userOf(entry), into);
            return "the sidecar stopped before the restored database took the place of " + database + " (" + restore
                    + "): " + database + " holds the data from before the restore (the database restored beside it, "
                    + into + ", dropped); restore again to have the backup's data";
        } catch (IOException | RuntimeException e) {
            return "the sidecar stopped before the restored database took the place of " + database + " (" + restore
                    + "): " + database + " holds the data from before the restore; dropping the database restored "
                    + "beside it failed (" + e.getMessage() + "): drop database " + into + " if it is there";
        }
    }

    /**
     * A restore beside the database cut at its switch or after: the switch is one transaction, so the
     * database beside is there (not switched: dropped, the live one's connections allowed again) or
     * the one aside is (switched: kept, as the only data from before, connections allowed to it).
     */
    private String settleSwitch(RestoreJournal.Entry entry) {
        String database = "database " + entry.database();
        String into = RestoreBeside.besideName(entry.database(), entry.restoreId());
        String user = userOf(entry);
        try {
            if (beside.exists(entry.containerId(), user, into)) {
                beside.allowConnections(entry.containerId(), user, entry.database());
                beside.drop(entry.containerId(), user, into);
                return "the sidecar stopped before the restored database took the place of " + database + ": "
                        + database + " holds the data from before the restore (the database restored beside it, "
                        + into + ", dropped; connections allowed again); restore again to have the backup's data";
            }
            String restored = "the sidecar stopped after the restored database took the place of " + database + ": "
                    + database + " holds the backup's data (restored)";
            if (beside.exists(entry.containerId(), user, entry.kept())) {
                beside.allowConnections(entry.containerId(), user, entry.kept());
                return restored + "; " + keptCopy(entry);
            }
            return restored + " (its data from before was already saved into the repo)";
        } catch (IOException | RuntimeException e) {
            return "the sidecar stopped as the restored database was to take the place of " + database + ", and what "
                    + "it holds cannot be read (" + e.getMessage() + "): if database " + into + " is there, "
                    + database + " holds the data from before (drop " + into + " and allow connections to "
                    + database + "); else it holds the backup's data and " + entry.kept() + " the data from before";
        }
    }

    /** The role the restore worked as in the server: its container's label, or the default. */
    private String userOf(RestoreJournal.Entry entry) {
        try {
            var labels = docker.inspectContainerCmd(entry.containerId()).exec().getConfig().getLabels();
            String user = labels == null ? null : labels.get(labelPrefix + "." + PostgresStrategy.USER);
            return user == null || user.isBlank() ? "postgres" : user.strip();
        } catch (RuntimeException e) {
            return "postgres";
        }
    }

    /** A cut while the safety copy was made: the copy waited for and dropped, connections allowed again. */
    private String settleCopy(RestoreJournal.Entry entry) throws InterruptedException {
        String database = "database " + entry.database();
        String user = userOf(entry);
        try {
            beside.awaitNoStatementOn(entry.containerId(), user, entry.kept());
            beside.drop(entry.containerId(), user, entry.kept());
            beside.allowConnections(entry.containerId(), user, entry.database());
            return "the sidecar stopped while the safety copy of " + database + " was made inside the server, before "
                    + "pg_restore began: " + entry.target() + " holds the data from before the restore (the copy "
                    + "dropped, connections to it allowed again)";
        } catch (IOException | RuntimeException e) {
            return "the sidecar stopped while the safety copy of " + database + " was made inside the server, before "
                    + "pg_restore began, and settling it failed (" + e.getMessage() + "): " + database + " holds the "
                    + "data from before the restore; allow connections to it (ALTER DATABASE ... ALLOW_CONNECTIONS true) "
                    + "and drop database " + entry.kept() + " if it is there";
        }
    }

    /** A cut while the copy was saved into the repo: the restore stands, the copy is kept. */
    private String settleSaving(RestoreJournal.Entry entry) {
        String database = "database " + entry.database();
        String restored = "the sidecar stopped after pg_restore wrote " + database + ", while it saved the data from "
                + "before into the repo: " + database + " holds the backup's data (restored)";
        try {
            return beside.exists(entry.containerId(), userOf(entry), entry.kept()) ? restored + "; " + keptCopy(entry)
                    : restored + " (its safety copy inside the server was already dropped)";
        } catch (IOException | RuntimeException e) {
            return restored + "; " + keptCopy(entry) + " if it is there";
        }
    }

    private static String keptCopy(RestoreJournal.Entry entry) {
        return "the data from before is kept in the server as database " + entry.kept() + " (not in the repo): "
                + "dump it or drop it once you no longer need it";
    }

    /** Waits for the pg_restore that outlived the sidecar, removes its dump, and says what the database holds. */
    private String settle(RestoreJournal.Entry entry) throws InterruptedException {
        String dump = entry.dir() + "/" + entry.file();
        String database = "database " + entry.database();
        String outcome;
        boolean asBefore = false;
        try {
            String state = awaitPgRestore(entry, dump);
            boolean oneTransaction = RestoreJournal.Entry.POSTGRES_DUMP.equals(entry.kind());
            if (state.equals("not started")) {
                asBefore = true;
                outcome = "the sidecar stopped before pg_restore began to write " + database + ": " + entry.target()
                        + " holds the data from before the restore";
            } else if (state.equals("exit 0")) {
                outcome = "the sidecar stopped while pg_restore wrote " + database + "; pg_restore went on and ended "
                        + "well: " + database + " holds the backup's data (restored)";
            } else if (state.startsWith("exit ")) {
                asBefore = oneTransaction;
                outcome = "the sidecar stopped while pg_restore wrote " + database + "; pg_restore went on and ended "
                        + "with " + state + (oneTransaction ? ": one transaction, " + database + " is as it was before"
                        : ": " + database + " did not exist before; what was made of it is left to look at");
            } else if (state.equals("running")) {
                outcome = "pg_restore of " + database + " still runs after " + LONGEST_PG_RESTORE.toHours()
                        + " h: look at it in " + entry.target();
            } else {
                outcome = "the sidecar stopped while pg_restore wrote " + database + ", and pg_restore ended without "
                        + "its exit code (" + entry.target() + " was stopped or restarted): " + (oneTransaction
                        ? "one transaction, so " + database + " holds either all of the backup's data or what it held "
                        + "before; look before use" : "what was made of " + database + " is left to look at");
            }
        } catch (IOException | RuntimeException e) {
            outcome = "the sidecar stopped while pg_restore wrote " + database + ", and what became of it cannot be "
                    + "read (" + e.getMessage() + "): look at " + database + " in " + entry.target();
        }
        removeDump(entry, dump);
        if (entry.kept() != null) {
            outcome += asBefore ? droppedCopy(entry) : "; " + keptCopy(entry);
        }
        return outcome;
    }

    /**
     * What became of the pg_restore of a cut-off restore, once it ended ("exit N", "not started",
     * "gone"), or "running" after {@link #LONGEST_PG_RESTORE}.
     */
    private String awaitPgRestore(RestoreJournal.Entry entry, String dump) throws IOException, InterruptedException {
        // no more parts of a streamed dump will come: its reader is told at once, so that a pg_restore
        // still waiting for them fails now (its one transaction rolled back), not after the reader's wait
        try {
            exec.output(entry.containerId(), List.of("touch", dump + SnapshotFiles.ABORT), QUICK);
        } catch (IOException | RuntimeException e) {
            // the container is stopped or gone: what pg_restore did is read below
        }
        java.time.Instant giveUp = java.time.Instant.now().plus(LONGEST_PG_RESTORE);
        String state = pgRestoreState(entry.containerId(), dump);
        while (state.equals("running") && java.time.Instant.now().isBefore(giveUp)) {
            Thread.sleep(POLL.toMillis());
            state = pgRestoreState(entry.containerId(), dump);
        }
        return state;
    }

    /** The dump of a cut-off restore and all beside it removed from the container. */
    private void removeDump(RestoreJournal.Entry entry, String dump) {
        try {
            exec.output(entry.containerId(), List.of("sh", "-c", REMOVE_BESIDE, dump), QUICK);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("the dump %s stays in %s: %s", dump, entry.target(), e.getMessage());
        }
    }

    /** The safety copy of a database that holds what it held before: not needed, dropped. */
    private String droppedCopy(RestoreJournal.Entry entry) {
        try {
            beside.drop(entry.containerId(), userOf(entry), entry.kept());
            return " (its safety copy inside the server dropped)";
        } catch (IOException | RuntimeException e) {
            return "; its safety copy inside the server, database " + entry.kept() + ", could not be dropped ("
                    + e.getMessage() + "): drop it by hand";
        }
    }

    private String pgRestoreState(String containerId, String dump) throws IOException {
        try {
            if (!Boolean.TRUE.equals(docker.inspectContainerCmd(containerId).exec().getState().getRunning())) {
                return "gone";
            }
        } catch (com.github.dockerjava.api.exception.NotFoundException e) {
            throw new IOException("its container " + containerId + " is gone", e);
        }
        return exec.outputRunTwiceIfStuck(containerId, List.of("sh", "-c", STATE, dump), QUICK).strip();
    }
}
