package org.backrestsidecar.volumes;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Which in-container paths a file copy reads: the ones {@code backup.paths} lists, or every volume
 * and bind mount of the container. Only mounted data can be copied (the container's writable layer
 * is not reachable from a helper), so a listed path outside every mount is refused by name.
 */
public final class ContainerPaths {
    /** One mount of the target: where it appears inside, and its kind (volume, bind, tmpfs). */
    public record MountPoint(String destination, String type) {
    }

    private ContainerPaths() {
    }

    public static List<String> resolve(List<MountPoint> mounts, Optional<String> listed) throws IllegalArgumentException {
        List<MountPoint> data = mounts.stream()
                .filter(m -> !"tmpfs".equals(m.type()) && !"npipe".equals(m.type()))
                .filter(m -> !m.destination().endsWith(".sock"))
                .toList();
        if (listed.isEmpty()) {
            if (data.isEmpty()) {
                throw new IllegalArgumentException("the container has no volume or bind mount, so there is nothing "
                        + "to copy (its writable layer is not backed up: keep data on a volume)");
            }
            return data.stream().map(MountPoint::destination).sorted().toList();
        }
        List<String> out = new ArrayList<>();
        for (String p : Arrays.stream(listed.get().split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList()) {
            boolean mounted = data.stream().anyMatch(m -> Path.of(p).startsWith(Path.of(m.destination())));
            if (!p.startsWith("/") || !mounted) {
                throw new IllegalArgumentException("label backup.paths: '" + p + "' is not on a volume or bind mount of "
                        + "the container (mounted: " + String.join(", ", data.stream().map(MountPoint::destination)
                        .toList()) + ")");
            }
            out.add(p);
        }
        return out;
    }
}
