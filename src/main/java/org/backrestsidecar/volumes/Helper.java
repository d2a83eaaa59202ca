package org.backrestsidecar.volumes;

import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.docker.ContainerExec;
import org.backrestsidecar.docker.ExecResult;
import org.backrestsidecar.docker.TailBuffer;
import org.backrestsidecar.restic.Restic;
import org.backrestsidecar.restic.ResticException;
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
    private final DockerClient docker;
    private final ContainerExec exec;
    private final Restic restic;
    private final String id;
    private final RepoConfig repo;
    private final String owner;

    /** @param owner {@code uid:gid} the repo's files must belong to (the sidecar's own) */
    Helper(DockerClient docker, ContainerExec exec, Restic restic, String id, RepoConfig repo, String owner) {
        this.owner = owner;
        this.docker = docker;
        this.exec = exec;
        this.restic = restic;
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
                                 Duration timeout) throws ResticException {
        List<String> command = new ArrayList<>(List.of("restic", "--repo", repo.uri(), "--password-file", KEY_PATH,
                "--no-cache"));
        command.addAll(restic.backupArgs(tags, host));
        for (String exclude : excludes) {
            command.add("--exclude");
            command.add(exclude);
        }
        command.addAll(paths);
        TailBuffer out = new TailBuffer(OUTPUT_KEEP);
        ExecResult result;
        try {
            result = exec.run(id, command, env(repo.env()), timeout, out);
        } catch (IOException e) {
            throw new ResticException("restic in the helper container: " + e.getMessage(), e);
        }
        if (!result.succeeded()) {
            throw new ResticException(result.failure("restic backup of " + String.join(" ", paths)));
        }
        return restic.storedSnapshot(out.text(), String.join(" ", paths));
    }

    /**
     * Writes a snapshot back where it came from (its paths are the target's own), or only
     * {@code include} of it; {@code into} is {@code /} for a restore, a scratch folder for a drill.
     */
    public void restore(String snapshotId, String into, String include, Duration timeout) throws ResticException {
        List<String> command = new ArrayList<>(List.of("restic", "--repo", repo.uri(), "--password-file", KEY_PATH,
                "--no-cache", "restore", snapshotId, "--target", into));
        if (include != null) {
            command.addAll(List.of("--include", include));
        }
        TailBuffer out = new TailBuffer(OUTPUT_KEEP);
        try {
            ExecResult result = exec.run(id, command, env(repo.env()), timeout, out);
            if (!result.succeeded()) {
                throw new ResticException(result.failure("restic restore of " + snapshotId));
            }
        } catch (IOException e) {
            throw new ResticException("restic in the helper container: " + e.getMessage(), e);
        }
    }

    /**
     * Empties a folder (the folder itself may be a mount point and stays) or removes a file, so that
     * a restore leaves nothing behind that the backup did not have.
     */
    public void clear(String path, Duration timeout) throws IOException {
        ExecResult result = exec.run(id, List.of("sh", "-c", "if [ -d \"$1\" ]; then find \"$1\" -mindepth 1 -delete; "
                + "else rm -f -- \"$1\"; fi", "clear", path), timeout, new TailBuffer(4096));
        if (!result.succeeded()) {
            throw new IOException(result.failure("emptying " + path));
        }
    }

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
        handBackRepo();
        try {
            restic.removeLocksOf(repo, id.substring(0, 12));
        } catch (ResticException e) {
            LOG.warnf("locks left by helper %s in repo %s: %s", id.substring(0, 12), repo.id(), e.getMessage());
        }
        try {
            docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
        } catch (RuntimeException e) {
            // already gone; leftovers are removed at the next start
        }
    }

    /**
     * restic in the helper runs as root (it must read any file of the target) and writes repo files
     * only root may read; a sidecar that runs as another user gets them back, or its own restic could
     * no longer list, forget or prune.
     */
    private void handBackRepo() {
        if (!repo.uri().startsWith("/") || owner == null || owner.equals("0:0")) {
            return;
        }
        try {
            exec.run(id, List.of("find", repo.uri(), "(", "!", "-user", owner.split(":")[0], ")", "-exec", "chown",
                    owner, "{}", "+"), Duration.ofMinutes(10), new TailBuffer(4096));
        } catch (IOException | RuntimeException e) {
            LOG.warnf("cannot give repo %s back to uid %s: %s", repo.id(), owner, e.getMessage());
        }
    }

    private static List<String> env(Map<String, String> env) {
        return env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }
}
