package org.backrestsidecar.restore;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.concurrent.atomic.AtomicReference;
import org.backrestsidecar.jobs.Daemons;
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

    /** Beside a streamed file's name in the container: its parts, each whole once its mark is there. */
    public static final String PART = ".part-";
    public static final String PART_DONE = ".done-";
    /** Beside a streamed file's name: there when no more parts will come (the stream failed, or the sidecar that fed it is gone). */
    public static final String ABORT = ".abort";
    /** The environment variable {@link #READ_PARTS} takes the number of parts from. */
    public static final String PARTS_VARIABLE = "BACKREST_SIDECAR_PARTS";
    /** How long the reader waits for a part before it gives up on a stream (restic stalled, nobody wrote the abort mark). */
    public static final long READER_GIVES_UP_SECONDS = 300;
    /**
     * Shell that writes a file {@link #streamInParts} puts into the container to its stdout, part by
     * part as each is whole, removing each once read; {@code $0} the file's name. It ends with 1 when
     * the stream stopped first ({@link #ABORT}, or no part for {@value #READER_GIVES_UP_SECONDS} s):
     * what it fed is then cut short. A part is looked for every 0.2 s (every second where sleep takes
     * whole seconds only).
     */
    public static final String READ_PARTS = """
            i=0
            while [ "$i" -lt "$%s" ]; do
              since=$(date +%%s)
              until [ -e "$0%s$i" ]; do
                if [ -e "$0%s" ] || [ $(($(date +%%s) - since)) -ge %d ]; then
                  echo "backrest-sidecar: the stream stopped before part $((i + 1)) of $%s" >&2; exit 1
                fi
                sleep 0.2 2>/dev/null || sleep 1
              done
              cat "$0%s$i" || exit 1
              rm -f "$0%s$i" "$0%s$i"
              i=$((i + 1))
            done
            """.formatted(PARTS_VARIABLE, PART_DONE, ABORT, READER_GIVES_UP_SECONDS, PARTS_VARIABLE, PART, PART, PART_DONE);

    /** The size of {@code path} in the snapshot: what {@link #streamInParts} needs first. */
    public long size(RepoConfig repo, String snapshotId, String path) throws ResticException {
        return snapshots.fileSize(repo, snapshotId, path);
    }

    /** How many parts of {@code partSize} a file of {@code size} bytes is put in (one at least). */
    public static int partsOf(long size, long partSize) {
        return (int) Math.max(1, (size + partSize - 1) / partSize);
    }

    /**
     * {@code path} of the snapshot into the container as {@code restic dump} reads it out of the repo,
     * cut into parts of {@code partSize} bytes: {@code dir/name} + {@link #PART} + n, each whole once
     * {@link #PART_DONE} + n is there ({@link ContainerFiles#putPart}). A command there reads them in
     * turn through {@link #READ_PARTS} while later parts are still on their way: a dump is applied as
     * it is fetched, and the container's disk holds only the parts not yet read. Streaming into the
     * command's stdin is not possible through the Docker API proxy (haproxy 2.6 keeps no upgrade on a
     * request with a body, and an exec's start has one), files are.
     *
     * <p>On a failure the {@link #ABORT} mark is put, so that the reader ends and its command reads a
     * stream cut short.
     *
     * @param firstIn run once the first part is whole: the reader may begin
     * @param stopped asked before each part: true when the reader no longer needs the rest (the
     *                restore ended first); the stream then stops as a failed one does
     */
    public void streamInParts(RepoConfig repo, String snapshotId, String path, long size, long partSize,
                              String containerId, String dir, String name, Runnable firstIn,
                              java.util.function.BooleanSupplier stopped, Progress progress)
            throws IOException, ResticException {
        progress.item("fetching " + path, OptionalLong.of(size), Progress.FROM_SNAPSHOT);
        PipedInputStream in = new PipedInputStream(1 << 20);
        PipedOutputStream out = new PipedOutputStream(in);
        AtomicReference<Exception> dumpFailure = new AtomicReference<>();
        Thread dumping = Daemons.start("restore-dump-" + name, () -> {
            try (out) {
                snapshots.dump(repo, snapshotId, path, progress.counting(out));
            } catch (Exception e) {
                dumpFailure.set(e);
            }
        });
        try {
            try (in) {
                int parts = partsOf(size, partSize);
                for (int n = 0; n < parts; n++) {
                    if (stopped.getAsBoolean()) {
                        throw new IOException("the stream of " + path + " was stopped after " + n + " of " + parts
                                + " parts: the restore no longer needs it");
                    }
                    files.putPart(containerId, dir, name + PART + n, name + PART_DONE + n,
                            Math.min(partSize, size - n * partSize), in);
                    if (n == 0) {
                        firstIn.run();
                    }
                }
                if (in.read() >= 0) {
                    throw new IOException(path + " is longer than the " + size + " bytes restic listed");
                }
            } finally {
                // closed: a restic still writing stops on it
                join(dumping);
            }
            if (dumpFailure.get() != null) {
                throw dumpFailure.get();
            }
        } catch (IOException | ResticException | RuntimeException e) {
            abort(containerId, dir, name);
            if (dumpFailure.get() instanceof ResticException restic) {
                throw restic;
            }
            throw e;
        } catch (Exception e) {
            abort(containerId, dir, name);
            throw new IOException(e.getMessage(), e);
        }
    }

    private void abort(String containerId, String dir, String name) {
        try {
            files.put(containerId, dir, name + ABORT, 0, sink -> { });
        } catch (IOException e) {
            // the reader gives up by itself after READER_GIVES_UP_SECONDS
        }
    }

    private static void join(Thread thread) {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The file's size, a tar entry needs it up front; the fetch counted as an item of {@code progress}. */
    private long announce(RepoConfig repo, String snapshotId, String path, Progress progress) throws ResticException {
        long size = snapshots.fileSize(repo, snapshotId, path);
        progress.item("fetching " + path, OptionalLong.of(size), Progress.FROM_SNAPSHOT);
        return size;
    }
}
