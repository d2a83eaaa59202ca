package org.backrestsidecar.volumes;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import java.util.List;

/**
 * A container's volumes given to another container at the same paths, named one by one. Docker's
 * {@code VolumesFrom} would do it in one word, but the Docker API proxy refuses it: it would hand any
 * container's mounts over, the proxy's own Docker socket among them (docs/security.md).
 */
public final class SameMounts {
    private SameMounts() {
    }

    /**
     * Binds for every volume and host folder {@code container} has (a tmpfs has nothing to share);
     * read-only when asked, else as the container itself has them.
     */
    public static List<Bind> of(InspectContainerResponse container, boolean readOnly) {
        if (container.getMounts() == null) {
            return List.of();
        }
        return container.getMounts().stream()
                .filter(m -> m.getDestination() != null && (named(m) || hasSource(m)))
                .map(m -> bind(m, readOnly || Boolean.FALSE.equals(m.getRW()) ? AccessMode.ro : AccessMode.rw))
                .toList();
    }

    /**
     * A named volume by its name, a host folder by its path: the proxy lets a volume through by name
     * but a host path only from the folders it is told (a volume's own host folder is not one of them).
     */
    static Bind bind(InspectContainerResponse.Mount mount, AccessMode mode) {
        return new Bind(named(mount) ? mount.getName() : mount.getSource(), new Volume(mount.getDestination().getPath()),
                mode);
    }

    private static boolean named(InspectContainerResponse.Mount mount) {
        return mount.getName() != null && !mount.getName().isEmpty();
    }

    private static boolean hasSource(InspectContainerResponse.Mount mount) {
        return mount.getSource() != null && !mount.getSource().isEmpty();
    }
}
