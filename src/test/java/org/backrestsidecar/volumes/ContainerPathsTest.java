package org.backrestsidecar.volumes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.backrestsidecar.volumes.ContainerPaths.MountPoint;
import org.junit.jupiter.api.Test;

class ContainerPathsTest {
    private final List<MountPoint> ollama = List.of(new MountPoint("/root/.ollama", "volume"),
            new MountPoint("/var/run/docker.sock", "bind"), new MountPoint("/cache", "tmpfs"),
            new MountPoint("/etc/app/config.yml", "bind"));

    @Test
    void everyDataMountByDefaultButNotSocketsOrTmpfs() {
        assertEquals(List.of("/etc/app/config.yml", "/root/.ollama"), ContainerPaths.resolve(ollama, Optional.empty()));
    }

    @Test
    void listedPathsMustBeOnAMount() {
        assertEquals(List.of("/root/.ollama/models"), ContainerPaths.resolve(ollama, Optional.of("/root/.ollama/models")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ContainerPaths.resolve(ollama, Optional.of("/root/.ollama/models, /usr/share/ollama")));
        assertTrue(e.getMessage().startsWith("label backup.paths: '/usr/share/ollama' is not on a volume or bind mount"),
                e.getMessage());
    }

    @Test
    void aContainerWithoutMountsHasNothingToCopyAndSaysWhy() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ContainerPaths.resolve(List.of(), Optional.empty()));
        assertTrue(e.getMessage().contains("keep data on a volume"), e.getMessage());
    }
}
