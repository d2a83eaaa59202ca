package org.backrestsidecar.volumes;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.VolumesFrom;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.backrestsidecar.config.Priority;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.docker.ContainerExec;
import org.backrestsidecar.restic.Backup;
import org.backrestsidecar.restic.Repository;
import org.backrestsidecar.restic.ResticException;
import org.jboss.logging.Logger;

/**
 * Starts {@link Helper} containers. The repo key is copied into the helper's own file system
 * (mode 0400) before it starts, never passed as an argument or environment variable, and goes
 * away with the helper.
 */
@ApplicationScoped
public class Helpers {
    private static final Logger LOG = Logger.getLogger(Helpers.class);
    public static final String LABEL = "backrest-sidecar.helper";
    /** The least CPU weight Docker gives (cgroup v1 cpu.shares 2; on cgroup v2 cpu.weight 1). */
    static final int LOW_CPU_SHARES = 2;
    /** The sidecar's image as README "Run" and compose.yml build it: the helper image on the host. */
    public static final String HOST_DEFAULT_IMAGE = "backrest-sidecar:0.1.0";
    /** Name and host name of every helper container. */
    static final String HELPER_PREFIX = "backrest-sidecar-helper-";
    private final DockerClient docker;
    private final ContainerExec exec;
    private final Repository repository;
    private final Backup backup;
    private final SidecarConfig config;
    private final SelfMounts self;

    public Helpers(DockerClient docker, ContainerExec exec, Repository repository, Backup backup, SidecarConfig config,
                   SelfMounts self) {
        this.backup = backup;
        this.docker = docker;
        this.exec = exec;
        this.repository = repository;
        this.config = config;
        this.self = self;
    }

    /**
     * @param readOnly the target's volumes read-only (file copies), or writable (SQLite's backup API
     *                 must write the database's lock files even to read it)
     */
    public Helper start(Target target, RepoConfig repo, boolean readOnly, Priority priority) throws IOException {
        return start(new VolumesFrom(target.containerId(), readOnly ? AccessMode.ro : AccessMode.rw), repo,
                target.name(), priority);
    }

    /**
     * A helper with the repo and none of any target's volumes: a restore drill's throwaway, which
     * restores into its own scratch folder and is removed with it.
     */
    public Helper startScratch(RepoConfig repo, String forTarget) throws IOException {
        return start(null, repo, forTarget, Priority.FULL);
    }

    private Helper start(VolumesFrom volumesFrom, RepoConfig repo, String forTarget, Priority priority)
            throws IOException {
        String image = helperImage();
        boolean localRepo = repo.local();
        HostConfig host = HostConfig.newHostConfig()
                // a local repo needs no network; a remote one needs the sidecar's way out
                .withNetworkMode(localRepo ? "none" : self.self().map(s -> s.getHostConfig().getNetworkMode())
                        .orElse("bridge"));
        if (priority == Priority.LOW) {
            // containers share the CPU by weight (default 1024): at 2 the helper runs on what the
            // services leave; a nice inside it would only order it against itself
            host.withCpuShares(LOW_CPU_SHARES);
        }
        if (volumesFrom != null) {
            host.withVolumesFrom(volumesFrom);
        }
        if (localRepo) {
            host.withBinds(self.bindFor(Path.of(repo.uri())));
        }
        String name = HELPER_PREFIX + UUID.randomUUID().toString().substring(0, 8);
        String id = docker.createContainerCmd(image)
                .withName(name)
                // restic writes it into its locks: a lock a killed helper left is known by it
                .withHostName(name)
                .withLabels(Map.of(LABEL, config.instance(), "backrest-sidecar.target", forTarget))
                .withEntrypoint("sleep")
                .withCmd("86400")
                .withUser("0:0")
                .withHostConfig(host)
                .exec().getId();
        Helper helper = new Helper(docker, exec, repository, backup, id, name, repo, self.owner());
        try {
            docker.copyArchiveToContainerCmd(id).withTarInputStream(keyArchive(repo.keyFile()))
                    .withRemotePath("/tmp").exec();
            docker.startContainerCmd(id).exec();
            return helper;
        } catch (RuntimeException | IOException e) {
            helper.close();
            throw e instanceof IOException io ? io : new IOException("cannot start a helper container from image "
                    + image + ": " + e.getMessage(), e);
        }
    }

    /**
     * The configured {@code helperImage}; else the sidecar's own image when it runs in a container;
     * else, on the host, the sidecar's image as README "Run" and the Compose bundle build it.
     */
    String helperImage() throws IOException {
        Optional<String> image = config.helperImage().or(self::ownImage);
        if (image.isPresent()) {
            return image.get();
        }
        try {
            docker.inspectImageCmd(HOST_DEFAULT_IMAGE).exec();
            return HOST_DEFAULT_IMAGE;
        } catch (RuntimeException e) {
            throw new IOException("no helper image: the sidecar runs on the host, so it cannot lend its own image, and "
                    + "there is no image " + HOST_DEFAULT_IMAGE + " (build it: docker build -f src/main/docker/Dockerfile -t "
                    + HOST_DEFAULT_IMAGE + " . after mvn package), nor helperImage in the configuration");
        }
    }

    /**
     * At start-up, before anything of ours runs restic: helpers of a sidecar that died mid-run hold
     * the target's volumes, and the locks their restic (and the sidecar's own) could not remove
     * would block every repo for 30 minutes. Both go; a lock of a helper that still exists (another
     * sidecar's), of a restic process still alive here, or of anyone else (Backrest) stays.
     */
    public void removeLeftovers() {
        Set<String> liveHelpers = new HashSet<>();
        try {
            docker.listContainersCmd().withShowAll(true).exec().forEach(c -> {
                String name = c.getNames() == null || c.getNames().length == 0 ? "" : c.getNames()[0].replaceFirst("^/", "");
                if (config.instance().equals(c.getLabels() == null ? null : c.getLabels().get(LABEL))) {
                    LOG.warnf("removing helper container %s left by an earlier run", name);
                    docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
                } else if (name.startsWith(HELPER_PREFIX)) {
                    liveHelpers.add(name);
                }
            });
        } catch (RuntimeException e) {
            LOG.warnf("cannot look for leftover helper containers: %s", e.getMessage());
            return;
        }
        String ownHost = ownHostname();
        for (RepoConfig repo : config.repos()) {
            try {
                repository.removeLocks(repo, lock -> (lock.hostname().startsWith(HELPER_PREFIX)
                        && !liveHelpers.contains(lock.hostname()))
                        || (lock.hostname().equals(ownHost) && !isRestic(lock.pid())));
            } catch (ResticException e) {
                LOG.warnf("cannot clear the locks an earlier run left in repo %s: %s", repo.id(), e.getMessage());
            }
        }
    }

    /** The host name restic writes into the locks it takes here (the kernel's, as Go's os.Hostname). */
    private static String ownHostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** Whether a process of that id is a restic that is still running on this host. */
    private static boolean isRestic(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip().equals("restic");
        } catch (IOException e) {
            return false;
        }
    }

    private static ByteArrayInputStream keyArchive(Path keyFile) throws IOException {
        byte[] key = Files.readAllBytes(keyFile);
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
            TarArchiveEntry entry = new TarArchiveEntry(Path.of(Helper.KEY_PATH).getFileName().toString());
            entry.setSize(key.length);
            entry.setMode(0400);
            out.putArchiveEntry(entry);
            out.write(key);
            out.closeArchiveEntry();
        }
        return new ByteArrayInputStream(tar.toByteArray());
    }
}
