package org.backrestsidecar.restore;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.OptionalLong;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.docker.ContainerFiles;
import org.backrestsidecar.progress.Progress;
import org.backrestsidecar.restic.Snapshots;
import org.backrestsidecar.restic.ResticException;

/**
 * One file of a snapshot (a dump, an RDB) written into a container, streamed from {@code restic dump}
 * through the Docker API: into a live container's /tmp, a stopped Redis, a drill's throwaway.
 */
@ApplicationScoped
public class SnapshotFiles {
    private final Snapshots snapshots;
    private final ContainerFiles files;

    public SnapshotFiles(Snapshots snapshots, ContainerFiles files) {
        this.snapshots = snapshots;
        this.files = files;
    }

    /**
     * Writes {@code path} of snapshot {@code snapshotId} as {@code dir/name} in the container, counted
     * as an item of {@code progress}.
     */
    public void copy(RepoConfig repo, String snapshotId, String path, String containerId, String dir, String name,
                     Progress progress) throws IOException, ResticException {
        long size = announce(repo, snapshotId, path, progress);
        files.put(containerId, dir, name, size, out -> snapshots.dump(repo, snapshotId, path, progress.counting(out)));
    }

    /**
     * As {@link #copy}, over a file the container's app loads (an RDB): written whole beside it and
     * then put in its place, so that a cut leaves the old file ({@link ContainerFiles#putWhole}).
     */
    public void replace(RepoConfig repo, String snapshotId, String path, String containerId, String dir, String name,
                        Progress progress) throws IOException, ResticException {
        long size = announce(repo, snapshotId, path, progress);
        files.putWhole(containerId, dir, name, size, out -> snapshots.dump(repo, snapshotId, path,
                progress.counting(out)));
    }

    /** The file's size, a tar entry needs it up front; the fetch counted as an item of {@code progress}. */
    private long announce(RepoConfig repo, String snapshotId, String path, Progress progress) throws ResticException {
        long size = snapshots.fileSize(repo, snapshotId, path);
        progress.item("fetching " + path, OptionalLong.of(size), Progress.FROM_SNAPSHOT);
        return size;
    }
}
