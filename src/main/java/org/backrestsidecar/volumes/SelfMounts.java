package org.backrestsidecar.volumes;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the sidecar itself runs. On the host, a repo path is a host path. In a container, a repo
 * path lives on one of the sidecar's own mounts, and a helper container must get that same mount
 * to see the repo; the sidecar's own image is the default helper image.
 */
@ApplicationScoped
public class SelfMounts {
    /** Docker binds each container's /etc/hostname from the container's own folder. */
    private static final Pattern HOSTNAME_FILE = Pattern.compile(".*/containers/([0-9a-f]{64})/hostname");
    private final DockerClient docker;
    private volatile Optional<InspectContainerResponse> self;

    public SelfMounts(DockerClient docker) {
        this.docker = docker;
    }

    /** The sidecar's container, found through the Docker-managed files in its own mount table. */
    public Optional<InspectContainerResponse> self() {
        Optional<InspectContainerResponse> known = self;
        if (known == null) {
            known = ownContainerId().flatMap(id -> {
                try {
                    return Optional.of(docker.inspectContainerCmd(id).exec());
                } catch (RuntimeException e) {
                    return Optional.empty();
                }
            });
            self = known;
        }
        return known;
    }

    static Optional<String> ownContainerId() {
        try {
            Path mountinfo = Path.of("/proc/self/mountinfo");
            if (!Files.exists(Path.of("/.dockerenv")) || !Files.exists(mountinfo)) {
                return Optional.empty();
            }
            return containerOf(Files.readString(mountinfo));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The container whose /etc/hostname is mounted in this mount table, if any. Only that mount
     * names us: on a host (one built from an image has a /.dockerenv too) the table also holds
     * other containers' files, e.g. /var/lib/docker/containers/&lt;id&gt;/mounts/shm of one with a
     * shareable IPC namespace, and taking that id for our own would make the sidecar look for its
     * folders on that container's mounts.
     */
    static Optional<String> containerOf(String mountinfo) {
        for (String line : mountinfo.split("\n")) {
            // mountinfo(5): id, parent id, major:minor, root, mount point, ...
            String[] fields = line.split(" ");
            if (fields.length > 4 && fields[4].equals("/etc/hostname")) {
                Matcher m = HOSTNAME_FILE.matcher(fields[3]);
                if (m.matches()) {
                    return Optional.of(m.group(1));
                }
            }
        }
        return Optional.empty();
    }

    /** {@code uid:gid} of the sidecar's own process, which must be able to read the repos. */
    public String owner() {
        try {
            return Files.getAttribute(Path.of("/proc/self"), "unix:uid") + ":"
                    + Files.getAttribute(Path.of("/proc/self"), "unix:gid");
        } catch (IOException | UnsupportedOperationException e) {
            return "0:0";
        }
    }

    public Optional<String> ownImage() {
        return self().map(s -> s.getConfig().getImage());
    }

    /**
     * Whether another container can be given {@code path} as the sidecar sees it: always on the host;
     * in a container only when a mount holds it (a folder in the sidecar's own layer is nobody else's).
     */
    public boolean shareable(Path path) {
        return self().isEmpty() || mountHolding(path).isPresent();
    }

    /** The sidecar's own mount that holds {@code path} (the innermost), when it runs in a container. */
    private Optional<InspectContainerResponse.Mount> mountHolding(Path path) {
        return self().flatMap(s -> s.getMounts().stream()
                .filter(m -> m.getDestination() != null && m.getSource() != null
                        && path.startsWith(m.getDestination().getPath()))
                .max(Comparator.comparingInt(m -> m.getDestination().getPath().length())));
    }

    /**
     * The bind that gives a helper the sidecar's view of {@code path}, read-write: the same volume
     * (by name) or host folder at the same place.
     */
    public Bind bindFor(Path path) {
        return mountHolding(path).map(m -> SameMounts.bind(m, AccessMode.rw))
                .orElse(new Bind(path.toString(), new Volume(path.toString()), AccessMode.rw));
    }
}
