package org.backrestsidecar.restore;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.OptionalLong;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.docker.ContainerFiles;
import org.backrestsidecar.progress.Progress;
import org.backrestsidecar.restic.Restic;
import org.backrestsidecar.restic.ResticException;

/**
 * One file of a snapshot (a dump, an RDB) written into a container, streamed from {@code restic dump}
 * through the Docker API: into a live container's /tmp, a stopped Redis, a drill's throwaway.
 */
@ApplicationScoped
public class SnapshotFiles {
    private final Restic restic;
    private final ContainerFiles files;

    public SnapshotFiles(Restic restic, ContainerFiles files) {
        this.restic = restic;
        this.files = files;
    }

    /**
     * Writes {@code path} of snapshot {@code snapshotId} as {@code dir/name} in the container, counted
     * as an item of {@code progress}.
     */
    public void copy(RepoConfig repo, String snapshotId, String path, String containerId, String dir, String name,
                     Progress progress) throws IOException, ResticException {
        long size = restic.fileSize(repo, snapshotId, path);
        progress.item("fetching " + path, OptionalLong.of(size), Progress.FROM_SNAPSHOT);
        files.put(containerId, dir, name, size, out -> restic.dump(repo, snapshotId, path, progress.counting(out)));
    }
}
