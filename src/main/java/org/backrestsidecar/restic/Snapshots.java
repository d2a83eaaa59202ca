package org.backrestsidecar.restic;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.backrestsidecar.config.RepoConfig;

/** What a repo holds: {@code restic snapshots}, {@code ls}, {@code dump} and {@code restore}. */
@ApplicationScoped
public class Snapshots {
    private final ResticCommand restic;

    public Snapshots(ResticCommand restic) {
        this.restic = restic;
    }

    /**
     * Snapshots carrying every one of {@code tags}, newest first. Read without a lock: a locking restic
     * sleeps 200 ms between making its lock and looking for others', and a list needs none. A snapshot
     * a forget removes while it is read is left out (restic warns and goes on), as it would be a moment
     * later; a prune never removes a snapshot file. So a list also answers while a prune holds the repo.
     */
    public List<Snapshot> snapshots(RepoConfig repo, List<String> tags) throws ResticException {
        List<String> args = new ArrayList<>(List.of("snapshots", "--json", "--no-lock"));
        if (!tags.isEmpty()) {
            args.add("--tag");
            args.add(String.join(",", tags));
        }
        JsonNode list = restic.parse(restic.run(repo, ResticCommand.QUICK, args.toArray(String[]::new)));
        List<Snapshot> out = new ArrayList<>();
        for (JsonNode s : list) {
            out.add(ResticCommand.snapshot(s));
        }
        out.sort(Comparator.comparing(Snapshot::time).reversed());
        return out;
    }

    /** Every snapshot of one target (its plan's and safety snapshots), newest first. */
    public List<Snapshot> snapshotsOf(RepoConfig repo, String target) throws ResticException {
        return snapshots(repo, List.of(SnapshotTags.targetTag(target)));
    }

    /**
     * Writes one file (or a folder, as a tar) of a snapshot to {@code out}, e.g. a database dump on its
     * way into a container. A repo locked exclusively (a forget, a prune) is waited for as long as
     * nothing was written yet.
     */
    public void dump(RepoConfig repo, String snapshotId, String path, OutputStream out) throws ResticException {
        long[] written = {0};
        OutputStream counted = new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                written[0] += len;
                out.write(b, off, len);
            }

            @Override
            public void write(int b) throws IOException {
                written[0]++;
                out.write(b);
            }
        };
        LockWait.retrying(repo.id(), "the dump of " + path, ResticCommand.LOCK_WAIT, () -> {
            try (ResticProcess process = restic.start(repo, List.of("dump", snapshotId, path), counted)) {
                process.stdin().close();
                process.await(ResticCommand.LONG);
                return null;
            } catch (IOException e) {
                throw new ResticException("restic dump of " + path + " from " + snapshotId + ": " + e.getMessage(), e);
            } catch (ResticException e) {
                if (written[0] == 0 && e.kind() == ResticException.Kind.LOCKED) {
                    throw new LockWait.LockedOut(e.getMessage());
                }
                throw e;
            }
        });
    }

    /**
     * A small file of a snapshot (a backup's facts), read whole into memory. Read first without a lock
     * (a locking restic sleeps 200 ms before it looks for other locks): restic checks every blob it
     * reads against its id, so a read that succeeds is the file as it was stored. One that fails, e.g.
     * because a prune repacked what it was reading, is read again with the lock, waiting for the prune.
     */
    public byte[] read(RepoConfig repo, String snapshotId, String path) throws ResticException {
        try {
            return restic.run(repo, ResticCommand.QUICK, "dump", "--no-lock", snapshotId, path)
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } catch (ResticException unlocked) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            dump(repo, snapshotId, path, out);
            return out.toByteArray();
        }
    }

    /** The size of one file in a snapshot. */
    public long fileSize(RepoConfig repo, String snapshotId, String path) throws ResticException {
        for (String line : restic.run(repo, ResticCommand.QUICK, "ls", "--json", snapshotId).split("\n")) {
            if (line.contains("\"struct_type\":\"node\"")) {
                JsonNode node = restic.parse(line);
                if (node.path("path").asText().equals(path) && node.path("type").asText().equals("file")) {
                    return node.path("size").asLong();
                }
            }
        }
        throw new ResticException("snapshot " + snapshotId + " has no file " + path);
    }

    /** Writes a snapshot's files under {@code folder} (each at its own path below it). */
    public void restore(RepoConfig repo, String snapshotId, Path folder) throws ResticException {
        restic.run(repo, ResticCommand.LONG, "restore", snapshotId, "--target", folder.toString());
    }
}
