package org.backrestsidecar.volumes;

import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.restic.LockWait;
import org.backrestsidecar.restic.ResticCommand;
import org.backrestsidecar.docker.ContainerExec;
import org.backrestsidecar.docker.ContainerFiles;
import org.backrestsidecar.docker.ExecResult;
import org.backrestsidecar.docker.TailBuffer;
import org.backrestsidecar.restic.Repository;
import org.backrestsidecar.restic.Backup;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.progress.Progress;
import org.backrestsidecar.restic.SnapshotTags;
import org.backrestsidecar.restic.StoredSnapshot;
import org.jboss.logging.Logger;

/**
 * A short-lived container that sees one target's volumes at the target's own paths (read-only,
 * {@code --volumes-from}) and the repo, and runs restic there, so snapshots hold
 * {@code /root/.ollama/models/...} as the target sees it. Closing it removes it; {@link #kill()}
 * stops a copy at once (the downtime budget's way to end one).
 */
public final class Helper implements AutoCloseable {
    static final String KEY_PATH = "/tmp/backrest-sidecar.key";
    private static final int OUTPUT_KEEP = 256 * 1024;
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);
    private static final Logger LOG = Logger.getLogger(Helper.class);
    /** Beside a path being restored: its new copy, written whole before it is swapped in. */
    private static final String STAGING = ".backrest-sidecar-staging";
    /** Inside a folder being swapped: its entries from before, removed once the new ones are in. */
    private static final String OLD = ".backrest-sidecar-old";
    /**
     * For the crash tests only (crash/RestoreCutOffIT): seconds a folder's swap waits between moving
     * the live entries aside and moving the restored ones in, so that a test can kill the sidecar
     * inside the swap, a moment too short to hit otherwise. Unset, as everywhere else, it is 0.
     */
    static final String SWAP_PAUSE = "SIDECAR_CRASH_TEST_SWAP_PAUSE";
    private static final String SWAP_PAUSE_SECONDS = java.util.Optional.ofNullable(System.getenv(SWAP_PAUSE))
            .filter(v -> v.matches("[0-9]{1,4}")).orElse("0");
    private final DockerClient docker;
    private final ContainerExec exec;
    private final Repository repository;
    private final Backup backup;
    private final String id;
    private final String hostname;
    private final RepoConfig repo;
    private final String owner;

    /** @param owner {@code uid:gid} the repo's files must belong to (the sidecar's own) */
    Helper(DockerClient docker, ContainerExec exec, Repository repository, Backup backup, String id, String hostname, RepoConfig repo,
           String owner) {
        this.hostname = hostname;
        this.owner = owner;
        this.docker = docker;
        this.exec = exec;
        this.repository = repository;
        this.backup = backup;
        this.id = id;
        this.repo = repo;
    }

    public String id() {
        return id;
    }

    /** Runs a command in the helper (e.g. sqlite3 against the target's database) with stdout to {@code out}. */
    public ExecResult run(List<String> command, Duration timeout, java.io.OutputStream out) throws IOException {
        return exec.run(id, command, timeout, out);
    }

    /** A short command's stdout; a non-zero exit is an exception with its stderr. */
    public String output(List<String> command, Duration timeout) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ExecResult result = run(command, timeout, out);
        if (!result.succeeded()) {
            throw new IOException(result.failure(command.get(0)));
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Stores {@code paths} (as the target sees them) in one snapshot, leaving out {@code excludes}. */
    public StoredSnapshot backup(List<String> paths, List<String> excludes, SnapshotTags tags, String host,
                                 Duration timeout, Progress progress) throws ResticException {
        List<String> command = restic();
        command.addAll(backup.backupArgs(tags, host));
        // what a restore cut off by a crash may have left on a volume is never data to keep
        for (String exclude : concat(List.of(STAGING, OLD, "*" + ContainerFiles.BESIDE), excludes)) {
            command.add("--exclude");
            command.add(exclude);
        }
        command.addAll(paths);
        TailBuffer out = new TailBuffer(OUTPUT_KEEP);
        ExecResult result;
        progress.nextPart();
        result = resticWaitingForLocks("backup", command, timeout, out, progress.resticStatusLines(out));
        if (!result.succeeded()) {
            throw new ResticException(result.failure("restic backup of " + String.join(" ", paths)));
        }
        return backup.storedSnapshot(out.text(), String.join(" ", paths));
    }

    /**
     * Writes a snapshot back where it came from (its paths are the target's own), or only
     * {@code include} of it; {@code into} is {@code /} for a restore, a scratch folder for a drill.
     */
    public void restore(String snapshotId, String into, String include, Duration timeout) throws ResticException {
        restore(snapshotId, into, include, List.of(), timeout);
    }

    /**
     * A drill's restore into a scratch folder: the whole snapshot, then every restored file read back
     * from the disk it was written to and matched with the backup's content ({@code restic restore
     * --verify}), so that a drill proves the files a restore writes, not only the blobs it reads.
     */
    public void restoreAndVerify(String snapshotId, String into, Duration timeout) throws ResticException {
        restore(snapshotId, into, null, List.of("--verify"), timeout);
    }

    /**
     * Lays down {@code file}, a tar stored in a snapshot, as the files it holds in {@code folder}: restic
     * restores it into {@code staging} (a new folder on the same volume), tar unpacks it, and the staging
     * folder goes. restic's restore fetches the file's packs on several threads and writes each blob
     * where it belongs, 1.5-1.7 times as fast here as its single-threaded {@code dump} through Docker's
     * archive call (bench/results.md "Where a restore's time goes"); the price is the tar's size once
     * more on the volume while it is unpacked.
     */
    public void unpackTar(String snapshotId, String file, String folder, String staging, Duration timeout)
            throws IOException, ResticException {
        exec.run(id, List.of("rm", "-rf", staging), timeout, new TailBuffer(1024));
        restore(snapshotId, staging, file, timeout);
        ExecResult unpacked = exec.run(id, List.of("sh", "-c", "set -e; mkdir -p \"$3\"; tar -x -f \"$1$2\" -C \"$3\"; "
                + "rm -rf \"$1\"", "unpack", staging, file, folder), timeout, new TailBuffer(4096));
        if (!unpacked.succeeded()) {
            throw new IOException(unpacked.failure("unpacking " + file + " of snapshot " + snapshotId + " into " + folder));
        }
    }

    private void restore(String snapshotId, String into, String include, List<String> flags, Duration timeout)
            throws ResticException {
        List<String> command = restic();
        command.addAll(List.of("restore", snapshotId, "--target", into));
        if (include != null) {
            command.addAll(List.of("--include", include));
        }
        command.addAll(flags);
        TailBuffer out = new TailBuffer(OUTPUT_KEEP);
        ExecResult result = resticWaitingForLocks("restore", command, timeout, out, out);
        if (!result.succeeded()) {
            throw new ResticException(result.failure("restic restore of " + snapshotId));
        }
    }

    /**
     * restic in the helper, run again every 2 s (up to {@link ResticCommand#LOCK_WAIT}, {@link LockWait})
     * while another restic holds the repo exclusively: in a swarm another node's forget (its WAL
     * shipper's, every 12 s) or check (a drill's), or the repos task's prune. restic stops at its lock
     * before it reads or writes anything, which {@code said} (its stdout) shows empty. Seen in CI: a
     * swarm's recovery, whose files restore's safety snapshot stopped at an exclusive lock node3's
     * sidecar had taken 122 ms before.
     */
    private ExecResult resticWaitingForLocks(String verb, List<String> command, Duration timeout, TailBuffer said,
                                             java.io.OutputStream out) throws ResticException {
        return LockWait.retrying(repo.id(), "restic " + verb + " in a helper", ResticCommand.LOCK_WAIT, () -> {
            ExecResult result;
            try {
                result = exec.run(id, command, env(), timeout, out);
            } catch (IOException e) {
                throw new ResticException("restic in the helper container: " + e.getMessage(), e);
            }
            if (!result.succeeded() && ResticException.Kind.of(result.stderr()) == ResticException.Kind.LOCKED
                    && said.text().isBlank()) {
                throw new LockWait.LockedOut(result.failure("restic in the helper container"));
            }
            return result;
        });
    }

    /**
     * Puts {@code path} back from a snapshot without ever leaving it half-written: the snapshot (or
     * its {@code include} part) is restored into a staging folder on the same file system first, and
     * only when that succeeded are the current contents moved aside and the restored ones moved in
     * (renames), then the old ones deleted. A failed restic leaves {@code path} untouched. Files
     * created after the backup go with the old contents.
     *
     * @param journals also remove {@code path}-wal/-shm/-journal (an SQLite database)
     */
    public void restoreInPlace(String snapshotId, String path, String include, boolean journals, Duration timeout)
            throws IOException, ResticException {
        boolean folder = run(List.of("test", "-d", path), Duration.ofMinutes(1), new TailBuffer(1024)).exitCode() == 0;
        String parent = path.contains("/") && path.lastIndexOf('/') > 0 ? path.substring(0, path.lastIndexOf('/')) : "/";
        String staging = (folder ? path : parent) + "/" + STAGING;
        try {
            // a staging folder a killed restore left would mix its files into this one
            exec.run(id, List.of("rm", "-rf", staging), timeout, new TailBuffer(1024));
            restore(snapshotId, staging, include == null ? path : include, timeout);
            ExecResult swapped = exec.run(id, List.of("sh", "-c", SWAP, "swap", path, staging + path,
                    journals ? "journals" : "", SWAP_PAUSE_SECONDS), timeout, new TailBuffer(4096));
            if (!swapped.succeeded()) {
                throw new IOException(swapped.failure("moving the restored " + path + " in place"));
            }
        } finally {
            exec.run(id, List.of("rm", "-rf", staging), timeout, new TailBuffer(1024));
        }
    }

    /**
     * Removes what a restore cut off by a crash left beside or inside each of {@code paths}: a
     * staging copy, a folder's entries from before. Run once the data in place is whole.
     */
    public void removeRestoreLeftovers(List<String> paths, Duration timeout) throws IOException {
        List<String> command = new ArrayList<>(List.of("rm", "-rf"));
        for (String path : paths) {
            String parent = path.lastIndexOf('/') > 0 ? path.substring(0, path.lastIndexOf('/')) : "";
            command.addAll(List.of(path + "/" + STAGING, path + "/" + OLD, parent + "/" + STAGING));
        }
        ExecResult removed = exec.run(id, command, timeout, new TailBuffer(4096));
        if (!removed.succeeded()) {
            throw new IOException(removed.failure("removing a cut-off restore's staging copies"));
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /**
     * $1 the live path, $2 its restored copy (same file system), $3 "journals" for an SQLite file, $4
     * seconds to wait inside a folder's swap (tests only, {@link #SWAP_PAUSE}).
     */
    private static final String SWAP = """
            set -e
            if [ -d "$2" ]; then
              mkdir -p "$1"
              old="$1/.backrest-sidecar-old"
              rm -rf "$old"; mkdir "$old"
              find "$1" -mindepth 1 -maxdepth 1 ! -name .backrest-sidecar-old ! -name .backrest-sidecar-staging \
                -exec mv -t "$old" {} +
              [ "${4:-0}" = 0 ] || sleep "$4"
              find "$2" -mindepth 1 -maxdepth 1 -exec mv -t "$1" {} +
              rm -rf "$old"
            elif [ -e "$2" ]; then
              if [ "$3" = journals ]; then rm -f "$1-wal" "$1-shm" "$1-journal"; fi
              if [ -d "$1" ]; then rm -rf "$1"; fi
              # a rename over the old file: the path never stands empty
              mv -f "$2" "$1"
            else
              echo "the snapshot holds no $1" >&2; exit 1
            fi
            """;

    /**
     * Ends the copy in progress; it fails and writes no snapshot. restic is asked first (SIGINT: it
     * removes its lock); the helper is killed if it does not stop.
     */
    public void stopCopy() {
        try {
            exec.run(id, List.of("pkill", "-INT", "-x", "restic"), STOP_WAIT, new TailBuffer(1024));
            for (int i = 0; i < 50; i++) {
                if (exec.run(id, List.of("pgrep", "-x", "restic"), STOP_WAIT, new TailBuffer(1024)).exitCode() == 1) {
                    return;
                }
                Thread.sleep(200);
            }
        } catch (IOException | RuntimeException e) {
            // no pkill in the image, or the helper is gone: kill it below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            docker.killContainerCmd(id).exec();
        } catch (RuntimeException e) {
            // already gone
        }
    }

    /** Removes the helper, and any lock a restic in it could not remove because it was killed. */
    @Override
    public void close() {
        // the run may end because the sidecar is stopping: its thread interrupted, whose waits would
        // end at once and the restic be killed with its helper before it removed its lock
        boolean interrupted = Thread.interrupted();
        try {
            interruptRestic(exec, id);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        handBackRepo();
        try {
            repository.removeLocks(repo, lock -> hostname.equals(lock.hostname()));
        } catch (ResticException e) {
            LOG.warnf("locks left by helper %s in repo %s: %s", hostname, repo.id(), e.getMessage());
        }
        try {
            docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
        } catch (RuntimeException e) {
            // already gone; leftovers are removed at the next start
        }
    }

    /**
     * SIGINT to every restic still running in the helper, and up to 30 s for them to end: restic then
     * stops and removes its lock, which a remote repo would otherwise keep for 30 minutes against
     * every node's retention. Removing the helper alone would kill it.
     */
    static void interruptRestic(ContainerExec exec, String helperId) {
        String restics = "for p in /proc/[0-9]*; do [ \"$(cat $p/comm 2>/dev/null)\" = restic ] && echo ${p#/proc/}; "
                + "done";
        try {
            exec.run(helperId, List.of("sh", "-c", "kill -INT $(" + restics + ") 2>/dev/null; for i in $(seq 30); do "
                    + "[ -z \"$(" + restics + ")\" ] && exit 0; sleep 1; done"), Duration.ofSeconds(40),
                    java.io.OutputStream.nullOutputStream());
        } catch (IOException | RuntimeException e) {
            // gone or not running: nothing of it to stop
        }
    }

    /**
     * restic in the helper runs as root (it must read any file of the target) and writes repo files
     * only root may read; a sidecar that runs as another user gets them back, or its own restic could
     * no longer list, forget or prune.
     */
    private void handBackRepo() {
        if (!repo.local() || owner == null || owner.equals("0:0")) {
            return;
        }
        try {
            exec.run(id, List.of("find", repo.uri(), "(", "!", "-user", owner.split(":")[0], ")", "-exec", "chown",
                    owner, "{}", "+"), Duration.ofMinutes(10), new TailBuffer(4096));
        } catch (IOException | RuntimeException e) {
            LOG.warnf("cannot give repo %s back to uid %s: %s", repo.id(), owner, e.getMessage());
        }
    }

    /** The highest process id a gone helper's lock may name for {@link #unlockAsItsHost} to clear it. */
    static final long HIGHEST_PID_CLEARED = 50_000;

    /**
     * restic's unlock, in a helper started under the host name of a helper that is gone: restic takes
     * a lock of its own host for stale when no process of the lock's id runs here. A new container
     * counts its process ids up from 1, so each id up to {@code highestPid} is first taken and let go
     * (a short-lived process each): restic's threads then all have higher ids, and only this helper's
     * first process (sleep) stays below, an id a helper's restic never has.
     */
    public void unlockAsItsHost(long highestPid) throws ResticException {
        if (highestPid > HIGHEST_PID_CLEARED) {
            throw new ResticException("its lock names process " + highestPid + ", more ids than a helper is given "
                    + "to step past (" + HIGHEST_PID_CLEARED + ")");
        }
        Duration within = Duration.ofMinutes(2);
        try {
            exec.run(id, List.of("sh", "-c", "i=1; while [ $i -le " + highestPid + " ]; do /bin/true; i=$((i+1)); "
                    + "done"), within, java.io.OutputStream.nullOutputStream());
            List<String> command = restic();
            command.add("unlock");
            TailBuffer out = new TailBuffer(OUTPUT_KEEP);
            ExecResult result = exec.run(id, command, env(), within, out);
            if (!result.succeeded()) {
                throw new ResticException(result.failure("restic unlock"));
            }
        } catch (IOException e) {
            throw new ResticException("restic in the helper container: " + e.getMessage(), e);
        }
    }

    /** restic on the repo as the sidecar runs it, with the repo's extended options (an SFTP primary's ssh command). */
    private List<String> restic() {
        List<String> command = new ArrayList<>(List.of("restic", "--repo", repo.uri(), "--password-file", KEY_PATH,
                "--no-cache"));
        // the repo's quick key: its id names the same file in the repo the helper has mounted
        repository.keyHint(repo).ifPresent(hint -> command.addAll(List.of("--key-hint", hint)));
        command.addAll(ResticCommand.extendedOptions(repo));
        return command;
    }

    /** The repo's environment, its {@code envFiles} read now: a remote primary's credentials (S3 keys). */
    private List<String> env() throws ResticException {
        List<String> out = new ArrayList<>(List.of(ResticCommand.STATUS_EVERY_SECOND));
        ResticCommand.environment(repo).forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }
}
