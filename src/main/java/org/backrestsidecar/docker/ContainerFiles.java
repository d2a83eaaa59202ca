package org.backrestsidecar.docker;

import com.github.dockerjava.api.DockerClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Puts one file into a container's file system through the Docker API: into a running container,
 * a stopped one (a Redis whose RDB is replaced) or one created but not started (a drill's
 * throwaway). The bytes stream straight from their source (restic) into the container; the size
 * must be known up front because a tar entry carries it.
 */
@ApplicationScoped
public class ContainerFiles {
    private static final int PIPE = 1 << 20;
    /** A file up to this size is sent from memory (a request that can be sent again), a larger one streamed. */
    static final long SMALL = 1 << 20;
    /** What a file written by {@link #putWhole} is called beside its final name until it is whole. */
    public static final String BESIDE = ".backrest-sidecar-new";
    private final DockerClient docker;

    /** Writes exactly the announced number of bytes. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws Exception;
    }

    public ContainerFiles(DockerClient docker) {
        this.docker = docker;
    }

    /** Writes {@code dir/name} (mode 0644, owned by root) in the container. */
    public void put(String containerId, String dir, String name, long size, Content content) throws IOException {
        Content tar = tarOf(name, size, content);
        if (size <= SMALL) {
            // held in memory, so that a request the pool's closed connection cut can be sent again whole
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream((int) size + 3 * 512);
            try {
                tar.writeTo(bytes);
            } catch (Exception e) {
                throw new IOException("the content of " + dir + "/" + name + " broke off: " + e.getMessage(), e);
            }
            send(containerId, dir, dir + "/" + name, new java.io.ByteArrayInputStream(bytes.toByteArray()));
        } else {
            putTar(containerId, dir, dir + "/" + name, tar);
        }
    }

    /** One file of {@code size} bytes as a tar stream. */
    private static Content tarOf(String name, long size, Content content) {
        return pipe -> {
            try (TarArchiveOutputStream tar = tarInto(pipe)) {
                tar.putArchiveEntry(fileEntry(name, size));
                content.writeTo(tar);
                tar.closeArchiveEntry(); // fails when fewer bytes came than announced
            }
        };
    }

    /**
     * Writes {@code dir/name} whole or not at all, as far as a cut of this process goes: the bytes go
     * to {@code name} + {@link #BESIDE} first; then a second request of one tar header makes
     * {@code name} a hard link to that whole file. The engine itself replaces the old file by the link
     * (it removes it and links at once, whatever becomes of this process), so a cut while the bytes
     * flow leaves the old file untouched, never a torn one the app cannot load. The file beside stays
     * as a second name of the same bytes (no extra space) until {@link #removeBeside} once the
     * container runs: nothing else can remove a file from a stopped container.
     */
    public void putWhole(String containerId, String dir, String name, long size, Content content) throws IOException {
        put(containerId, dir, name + BESIDE, size, content);
        putTar(containerId, dir, dir + "/" + name, pipe -> {
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(pipe)) {
                TarArchiveEntry link = new TarArchiveEntry(name, TarConstants.LF_LINK);
                link.setLinkName(name + BESIDE);
                tar.putArchiveEntry(link);
                tar.closeArchiveEntry();
            }
        });
    }

    /**
     * One part of a stream cut into files ({@code restore/SnapshotFiles#streamInParts}): the next
     * {@code size} bytes of {@code source} as {@code dir/name}, then the empty file {@code dir/mark},
     * in one tar. The engine unpacks in order, so the mark is there only once the part is whole: a
     * reader in the container waits for it, and never reads a part still being written.
     */
    public void putPart(String containerId, String dir, String name, String mark, long size, InputStream source)
            throws IOException {
        putTar(containerId, dir, dir + "/" + name, pipe -> {
            try (TarArchiveOutputStream tar = tarInto(pipe)) {
                tar.putArchiveEntry(fileEntry(name, size));
                byte[] buffer = new byte[64 * 1024];
                long left = size;
                while (left > 0) {
                    int read = source.read(buffer, 0, (int) Math.min(buffer.length, left));
                    if (read < 0) {
                        throw new EOFException("the stream ended " + left + " bytes before the end of " + name);
                    }
                    tar.write(buffer, 0, read);
                    left -= read;
                }
                tar.closeArchiveEntry();
                tar.putArchiveEntry(fileEntry(mark, 0));
                tar.closeArchiveEntry();
            }
        });
    }

    /** A tar stream whose entries may be of any size (a dump of many GB). */
    private static TarArchiveOutputStream tarInto(OutputStream out) {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        return tar;
    }

    /** A file of {@code size} bytes, mode 0644 (owned by root, as the engine unpacks it). */
    private static TarArchiveEntry fileEntry(String name, long size) {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(size);
        entry.setMode(0644);
        return entry;
    }

    /** The command that removes what {@link #putWhole} left beside {@code dir/name}, run in the container. */
    public static List<String> removeBeside(String dir, String name) {
        return List.of("rm", "-f", dir + "/" + name + BESIDE);
    }

    /**
     * Unpacks a tar stream into {@code dir} of the container (running or not), as Docker's archive
     * call does: e.g. a Postgres base backup straight out of the repo.
     *
     * @param what names the content in errors
     */
    public void putTar(String containerId, String dir, String what, Content tarStream) throws IOException {
        PipedInputStream in = new PipedInputStream(PIPE);
        PipedOutputStream pipe = new PipedOutputStream(in);
        AtomicReference<Exception> writeFailure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try (pipe) {
                tarStream.writeTo(pipe);
            } catch (Exception e) {
                writeFailure.set(e);
            }
        }, "container-file-writer");
        writer.setDaemon(true);
        writer.start();
        try (in) {
            awaitFirstBytes(in, writer, what);
            send(containerId, dir, what, in);
        } finally {
            try {
                writer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (writeFailure.get() != null) {
            throw new IOException("the content of " + what + " broke off: " + writeFailure.get().getMessage(),
                    writeFailure.get());
        }
    }

    /**
     * The Docker API proxy (haproxy, option http-buffer-request) holds a request until its buffer is
     * full or the body has ended, and answers 408 when that takes over its timeout http-request (10 s):
     * a body whose first bytes came later (restic opening the repo on a busy host before the tar of a
     * base backup begins) broke the upload ("Broken pipe"; seen in CI, and again by hand against the
     * proxy's settings). So the call is made once its first {@value #FIRST_BYTES} bytes are ready, or
     * the content has ended; what comes after flows under the proxy's client timeout (10 min).
     */
    static final int FIRST_BYTES = 64 * 1024;

    static void awaitFirstBytes(PipedInputStream in, Thread writer, String what) throws IOException {
        while (writer.isAlive() && in.available() < FIRST_BYTES) {
            try {
                writer.join(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while the first bytes of " + what + " were read", e);
            }
        }
    }

    private void send(String containerId, String dir, String what, java.io.InputStream tar) throws IOException {
        try {
            docker.copyArchiveToContainerCmd(containerId).withTarInputStream(tar).withRemotePath(dir).exec();
        } catch (RuntimeException e) {
            throw new IOException("cannot write " + what + " into container " + containerId + ": "
                    + e.getMessage(), e);
        }
    }
}
