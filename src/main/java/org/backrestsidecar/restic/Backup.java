package org.backrestsidecar.restic;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.backrestsidecar.config.Priority;
import org.backrestsidecar.config.RepoConfig;
import org.jboss.logging.Logger;

/** {@code restic backup}: a stream (a dump) or paths into a new snapshot with our tags and host. */
@ApplicationScoped
public class Backup {
    private static final Logger LOG = Logger.getLogger(Backup.class);
    private static final int PIPE_BUFFER = 1 << 20;
    private final ResticCommand restic;
    private final Forget forget;

    public Backup(ResticCommand restic, Forget forget) {
        this.restic = restic;
        this.forget = forget;
    }

    /**
     * Streams one file into a new snapshot. If the source reports the data bad, or fails, restic is
     * aborted before it can write a snapshot, and any snapshot that still appeared is forgotten.
     */
    public StoredSnapshot backupStream(RepoConfig repo, String filename, SnapshotTags tags, String host,
                                       Priority priority, StreamSource source) throws ResticException {
        // another restic (in a swarm, another node's forget or the repos task's prune) holds the repo
        // exclusively; restic stopped before it wrote anything: the source is run again
        return LockWait.retrying(repo.id(), "the stream of " + filename, ResticCommand.LOCK_WAIT,
                () -> streamOnce(repo, filename, tags, host, priority, source));
    }

    private StoredSnapshot streamOnce(RepoConfig repo, String filename, SnapshotTags tags, String host,
                                      Priority priority, StreamSource source) throws ResticException {
        List<String> args = backupArgs(tags, host);
        args.addAll(List.of("--stdin", "--stdin-filename", filename));
        ResticProcess process = restic.start(repo, null, args, null, priority);
        OutputStream stdin = new BufferedOutputStream(process.stdin(), PIPE_BUFFER);
        Optional<String> rejected;
        try {
            rejected = source.writeTo(stdin);
        } catch (IOException | RuntimeException e) {
            rejected = Optional.of(String.valueOf(e.getMessage()));
        }
        if (rejected.isPresent()) {
            // abort before closing stdin: a closed stdin is how restic learns the data is complete
            process.abort();
            lockedOut(process);
            forgetIfWritten(repo, process.stdoutText());
            throw new ResticException(rejected.get());
        }
        try {
            stdin.close();
        } catch (IOException e) {
            process.abort();
            lockedOut(process);
            throw new ResticException("restic stopped reading " + filename + ": " + process.stderrText().strip(), e);
        }
        try {
            return storedSnapshot(process.await(ResticCommand.LONG), filename);
        } catch (ResticException e) {
            lockedOut(process);
            if (e.kind() == ResticException.Kind.LOCKED && process.stdoutText().isBlank()) {
                throw new LockWait.LockedOut(e.getMessage()); // stopped at another's lock, before it stored anything
            }
            throw e;
        }
    }

    /** @throws LockWait.LockedOut when restic ended because another restic holds the repo, before it stored anything */
    private static void lockedOut(ResticProcess process) throws LockWait.LockedOut {
        if (!process.ended()) {
            return;
        }
        String said = process.stderrText();
        if (ResticException.Kind.of(said) == ResticException.Kind.LOCKED && process.stdoutText().isBlank()) {
            throw new LockWait.LockedOut("unable to create lock: " + said.strip());
        }
    }

    /** {@code backup} with our tags and host, to which the caller adds what to read. */
    public List<String> backupArgs(SnapshotTags tags, String host) {
        List<String> args = new ArrayList<>(List.of("backup", "--json", "--host", host));
        for (String tag : tags.all()) {
            args.add("--tag");
            args.add(tag);
        }
        return args;
    }

    /** The snapshot a {@code backup --json} reported in its summary line. */
    public StoredSnapshot storedSnapshot(String jsonLines, String what) throws ResticException {
        JsonNode summary = restic.summary(jsonLines)
                .orElseThrow(() -> new ResticException("restic backup of " + what + " printed no summary"));
        return new StoredSnapshot(summary.path("snapshot_id").asText(), what, summary.path("data_added").asLong(),
                summary.path("total_bytes_processed").asLong(), summary.path("total_files_processed").asLong());
    }

    /** Host paths as files, e.g. a plan's extra {@code paths}. */
    public StoredSnapshot backupPaths(RepoConfig repo, List<Path> paths, SnapshotTags tags, String host,
                                      Priority priority) throws ResticException {
        List<String> args = backupArgs(tags, host);
        paths.forEach(p -> args.add(p.toString()));
        return storedSnapshot(restic.run(repo, null, ResticCommand.LONG, priority, args.toArray(String[]::new)),
                String.join(" ", paths.stream().map(Path::toString).toList()));
    }

    private void forgetIfWritten(RepoConfig repo, String stdout) {
        restic.summary(stdout).map(s -> s.path("snapshot_id").asText()).filter(id -> !id.isEmpty()).ifPresent(id -> {
            try {
                forget.forgetSnapshots(repo, List.of(id));
                LOG.warnf("forgot snapshot %s of repo %s: its data was rejected", id, repo.id());
            } catch (ResticException e) {
                LOG.errorf("snapshot %s of repo %s holds rejected data and could not be forgotten: %s", id,
                        repo.id(), e.getMessage());
            }
        });
    }
}
