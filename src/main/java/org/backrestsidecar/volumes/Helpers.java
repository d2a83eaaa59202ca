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
import java.util.Map;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.docker.ContainerExec;
import org.backrestsidecar.restic.Restic;
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
    private final DockerClient docker;
    private final ContainerExec exec;
    private final Restic restic;
    private final SidecarConfig config;
    private final SelfMounts self;

    public Helpers(DockerClient docker, ContainerExec exec, Restic restic, SidecarConfig config, SelfMounts self) {
        this.docker = docker;
        this.exec = exec;
        this.restic = restic;
        this.config = config;
        this.self = self;
    }

    /**
     * @param readOnly the target's volumes read-only (file copies), or writable (SQLite's backup API
     *                 must write the database's lock files even to read it)
     */
    public Helper start(Target target, RepoConfig repo, boolean readOnly) throws IOException {
        return start(new VolumesFrom(target.containerId(), readOnly ? AccessMode.ro : AccessMode.rw), repo,
                target.name());
    }

    /**
     * A helper with the repo and none of any target's volumes: a restore drill's throwaway, which
     * restores into its own scratch folder and is removed with it.
     */
    public Helper startScratch(RepoConfig repo, String forTarget) throws IOException {
        return start(null, repo, forTarget);
    }

    private Helper start(VolumesFrom volumesFrom, RepoConfig repo, String forTarget) throws IOException {
        String image = config.helperImage().or(self::ownImage).orElseThrow(() -> new IOException(
                "no helper image: set helperImage in the configuration (the sidecar is not in a container, so "
                        + "it cannot use its own image)"));
        boolean localRepo = repo.uri().startsWith("/");
        HostConfig host = HostConfig.newHostConfig()
                // a local repo needs no network; a remote one needs the sidecar's way out
                .withNetworkMode(localRepo ? "none" : self.self().map(s -> s.getHostConfig().getNetworkMode())
                        .orElse("bridge"));
        if (volumesFrom != null) {
            host.withVolumesFrom(volumesFrom);
        }
        if (localRepo) {
            host.withBinds(self.bindFor(Path.of(repo.uri())));
        }
        String id = docker.createContainerCmd(image)
                .withName("backrest-sidecar-helper-" + UUID.randomUUID().toString().substring(0, 8))
                .withLabels(Map.of(LABEL, config.instance(), "backrest-sidecar.target", forTarget))
                .withEntrypoint("sleep")
                .withCmd("86400")
                .withUser("0:0")
                .withHostConfig(host)
                .exec().getId();
        Helper helper = new Helper(docker, exec, restic, id, repo, self.owner());
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

    /** Helpers of a sidecar that died mid-run hold the target's volumes; they go at start-up. */
    public void removeLeftovers() {
        try {
            docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(LABEL, config.instance())).exec()
                    .forEach(c -> {
                        LOG.warnf("removing helper container %s left by an earlier run", c.getId());
                        docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
                    });
        } catch (RuntimeException e) {
            LOG.warnf("cannot look for leftover helper containers: %s", e.getMessage());
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
