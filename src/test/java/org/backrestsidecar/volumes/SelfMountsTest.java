package org.backrestsidecar.volumes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which container the sidecar runs in, read from mount tables as Docker 20.10 leaves them. */
class SelfMountsTest {
    private static final String ID = "910328e3cfd955c0156ff2d3564c617d21870998a088528fa8ad195f48a03f9b";
    private static final String OTHER = "12a96f18e0b2ae38d937a2f9ffc593f9d795964c88d084b0b8e93f8423e1f6f8";

    @Test
    void inAContainerItsHostnameFileNamesIt() {
        String table = """
                72 50 0:39 / / rw,relatime master:2 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/A
                89 72 254:0 /var/lib/docker/containers/%1$s/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda rw
                90 72 254:0 /var/lib/docker/containers/%1$s/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw
                91 72 254:0 /var/lib/docker/containers/%1$s/hosts /etc/hosts rw,relatime - ext4 /dev/vda rw
                """.formatted(ID);
        assertEquals(Optional.of(ID), SelfMounts.containerOf(table));
    }

    @Test
    void withDockersFolderOnAFileSystemOfItsOwnTheRootIsRelativeToIt() {
        String table = "90 72 8:17 /containers/" + ID + "/hostname /etc/hostname rw,relatime - ext4 /dev/sdb1 rw\n";
        assertEquals(Optional.of(ID), SelfMounts.containerOf(table));
    }

    @Test
    void onAHostAnotherContainersSharedMemoryIsNotUs() {
        // a host made from an image has /.dockerenv too, and a container run with --ipc shareable puts
        // its /dev/shm in the host's mount table (the CI run of 2e205a8: the scenario sidecar took
        // such a container for its own and refused to stream WAL)
        String table = """
                42 27 254:0 /var/lib/docker /var/lib/docker rw,relatime shared:1 - ext4 /dev/vda rw
                47 42 0:41 / /var/lib/docker/containers/%s/mounts/shm rw,nosuid shared:3 - tmpfs shm rw,size=65536k
                92 27 0:4 net:[4026532184] /run/docker/netns/d6017eaf36f8 rw - nsfs nsfs rw
                """.formatted(OTHER);
        assertEquals(Optional.empty(), SelfMounts.containerOf(table));
    }

    @Test
    void aHostnameFileFromElsewhereIsNotAContainer() {
        assertEquals(Optional.empty(), SelfMounts.containerOf("90 72 254:0 /srv/hostname /etc/hostname rw - ext4 /dev/vda rw\n"));
        assertEquals(Optional.empty(), SelfMounts.containerOf(""));
    }
}
