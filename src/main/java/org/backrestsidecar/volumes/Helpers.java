package org.backrestsidecar.volumes;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Bind;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.backrestsidecar.config.Priority;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.config.SwarmRole;
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
    private final SwarmRole role;

    public Helpers(DockerClient docker, ContainerExec exec, Repository repository, Backup backup, SidecarConfig config,
                   SelfMounts self, SwarmRole role) {
        this.role = role;
        this.backup = backup;
        this.docker = docker;
        this.exec = exec;
        this.repository = repository;
        this.config = config;
        this.self = self;
    }

    /**
     * @param readOnly the target's volumes read-only (file copies), or writable (SQLite's online copy
     *                 must write the database's lock files even to read it)
     */
    public Helper start(Target target, RepoConfig repo, boolean readOnly, Priority priority) throws IOException {
        return startBeside(target.containerId(), target.name(), repo, readOnly, priority);
    }

    /**
     * The same, for a container known only by id: at start-up, before discovery, a restore cut off by
     * a crash is finished with it (restore/RestoreRecovery).
     */
    public Helper startBeside(String containerId, String targetName, RepoConfig repo, boolean readOnly,
                              Priority priority) throws IOException {
        return start(SameMounts.of(docker.inspectContainerCmd(containerId).exec(), readOnly), repo, targetName,
                priority);
    }

    /**
     * The writable mounts of container {@code containerId} as binds a helper takes ({@code volume:/path:rw}):
     * recorded when the container will be gone before a crash could need them (a Swarm task, its
     * service scaled to 0 for a restore; restore/RestoreJournal).
     */
    public List<String> mountsOf(String containerId) {
        return SameMounts.of(docker.inspectContainerCmd(containerId).exec(), false).stream().map(Bind::toString)
                .toList();
    }

    /** As {@link #startBeside}, with the mounts {@link #mountsOf} recorded of a container since gone. */
    public Helper startWithMounts(List<String> mounts, String targetName, RepoConfig repo, Priority priority)
            throws IOException {
        return startWithBinds(mounts.stream().map(Bind::parse).toList(), targetName, repo, priority);
    }

    /**
     * A helper that sees {@code mounts} (writable ones a container of another image uses, {@link SameMounts#of})
     * at their own paths: Postgres's data folder is fetched into by restic here, beside the server's image.
     */
    public Helper startWithBinds(List<Bind> mounts, String targetName, RepoConfig repo, Priority priority)
            throws IOException {
        return start(mounts, repo, targetName, priority);
    }

    /**
     * A helper with the repo and none of any target's volumes: a restore drill's throwaway, which
     * restores into its own scratch folder and is removed with it.
     */
    public Helper startScratch(RepoConfig repo, String forTarget) throws IOException {
        return start(List.of(), repo, forTarget, Priority.FULL);
    }

    private Helper start(List<Bind> targetMounts, RepoConfig repo, String forTarget, Priority priority)
            throws IOException {
        return start(targetMounts, repo, forTarget, priority, ownHelperPrefix() + UUID.randomUUID().toString().substring(0, 8));
    }

    /** @param name the helper's container and host name: restic writes it into the locks it takes */
    private Helper start(List<Bind> targetMounts, RepoConfig repo, String forTarget, Priority priority, String name)
            throws IOException {
        String image = helperImage();
        boolean localRepo = repo.local();
        List<String> networks = localRepo ? List.of("none") : networksOfSelf();
        HostConfig host = HostConfig.newHostConfig()
                // a local repo needs no network; a remote one needs the sidecar's way out
                .withNetworkMode(networks.get(0));
        if (priority == Priority.LOW) {
            // containers share the CPU by weight (default 1024): at 2 the helper runs on what the
            // services leave; a nice inside it would only order it against itself
            host.withCpuShares(LOW_CPU_SHARES);
        }
        List<Bind> binds = new java.util.ArrayList<>(targetMounts);
        if (localRepo) {
            binds.add(self.bindFor(Path.of(repo.uri())));
        }
        host.withBinds(binds);
        String id;
        try {
            id = docker.createContainerCmd(image)
                    .withName(name)
                    // restic writes it into its locks: a lock a killed helper left is known by it
                    .withHostName(name)
                    .withLabels(Map.of(LABEL, config.instance(), "backrest-sidecar.target", forTarget))
                    .withEntrypoint("sleep")
                    .withCmd("86400")
                    .withUser("0:0")
                    .withHostConfig(host)
                    .exec().getId();
        } catch (com.github.dockerjava.api.exception.DockerException e) {
            List<String> hostFolders = binds.stream().map(Bind::getPath).filter(p -> p.startsWith("/")).toList();
            if (e.getHttpStatus() == 403 && !hostFolders.isEmpty()) {
                throw new IOException("the Docker API proxy refused a helper for " + forTarget + " that binds the host "
                        + "folders " + hostFolders + ": allow them in DOCKER_API_BIND_FROM (docs/security.md)", e);
            }
            throw e;
        }
        Helper helper = new Helper(docker, exec, repository, backup, id, name, repo, self.owner());
        try {
            for (String more : networks.subList(1, networks.size())) {
                docker.connectToNetworkCmd().withContainerId(id).withNetworkId(more).exec();
            }
            docker.copyArchiveToContainerCmd(id).withTarInputStream(filesArchive(repo))
                    .withRemotePath("/").exec();
            docker.startContainerCmd(id).exec();
            return helper;
        } catch (RuntimeException | IOException e) {
            helper.close();
            throw e instanceof IOException io ? io : new IOException("cannot start a helper container from image "
                    + image + ": " + e.getMessage(), e);
        }
    }

    /**
     * The networks the sidecar reaches its repos on. A Swarm task's own mode says only "default": its
     * overlay networks are joined by name, which Docker allows a plain container for an attachable one
     * (compose.swarm.yml.example marks it so). Sharing the sidecar's network namespace instead would give
     * the helper the sidecar's host name, and restic would take the helper's live locks for stale ones.
     */
    private List<String> networksOfSelf() {
        var me = self.self();
        if (me.isEmpty()) {
            return List.of("bridge");
        }
        boolean swarmTask = me.get().getConfig().getLabels() != null
                && me.get().getConfig().getLabels().containsKey("com.docker.swarm.task.id");
        var joined = me.get().getNetworkSettings() == null ? null : me.get().getNetworkSettings().getNetworks();
        if (swarmTask && joined != null && !joined.isEmpty()) {
            return joined.keySet().stream().sorted().toList();
        }
        return List.of(me.get().getHostConfig().getNetworkMode());
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
                    // (a WAL stream runs pg_receivewal, no restic: nothing to interrupt, and no exec to wait on)
                    if ("running".equals(c.getState()) && !"stream".equals(c.getLabels().get("backrest-sidecar.wal"))) {
                        // a helper outlives a sidecar stopped without a word to Docker (its node
                        // drained, its proxy gone first), and its restic goes on
                        Helper.interruptRestic(exec, c.getId());
                    }
                    docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
                } else if (name.startsWith(HELPER_PREFIX)) {
                    liveHelpers.add(name);
                }
            });
        } catch (RuntimeException e) {
            LOG.warnf("cannot look for leftover helper containers: %s", e.getMessage());
            return;
        }
        removeLeftoverNetworks();
        String ownHost = ownHostname();
        for (RepoConfig repo : config.repos()) {
            try {
                repository.removeLocks(repo, lock -> (lock.hostname().startsWith(ownHelperPrefix())
                        && !liveHelpers.contains(lock.hostname()))
                        || (lock.hostname().equals(ownHost) && !isRestic(lock.pid())));
            } catch (ResticException e) {
                LOG.warnf("cannot clear the locks an earlier run left in repo %s: %s", repo.id(), e.getMessage());
            }
        }
    }

    /** A drill's network (drill/DrillNetwork) a sidecar that died mid-drill left, once its throwaways are gone. */
    private void removeLeftoverNetworks() {
        try {
            for (var network : docker.listNetworksCmd().withFilter("label", List.of(LABEL + "=" + config.instance())).exec()) {
                LOG.warnf("removing drill network %s left by an earlier run", network.getName());
                docker.removeNetworkCmd(network.getName()).exec();
            }
        } catch (RuntimeException e) {
            LOG.warnf("cannot remove the drill networks an earlier run left: %s", e.getMessage());
        }
    }

    /**
     * A remote repo's lock files are not ours to delete: restic's own unlock removes those of this host
     * name whose process is gone (a sidecar task of the same node killed mid-run: the Swarm stack names
     * each node's sidecar alike, {@code sidecar-<node>}) and those no one refreshed for 30 minutes. Slow
     * when a remote repo is out of reach, so it runs after the containers were put back, on its own thread.
     */
    public void unlockRemoteRepos() {
        for (RepoConfig repo : config.repos()) {
            if (repo.local()) {
                continue;
            }
            try {
                repository.unlockStale(repo);
                if (role != SwarmRole.ALL) {
                    // only in a swarm does a helper's name say whose it is (its node): alone, a remote
                    // repo shared with another host could hold that host's live helpers' locks
                    unlockAfterGoneHelpers(repo);
                }
            } catch (ResticException e) {
                LOG.debugf("repo %s: restic unlock at start-up: %s", repo.id(), e.getMessage());
            }
        }
    }

    /**
     * The locks our helpers left in a remote repo when they were killed with their node (each helper
     * has a host name of its own, so the sidecar's unlock never takes them for stale, and every other
     * node's retention waited 30 minutes behind them). A helper is started under each gone helper's
     * host name and runs restic's unlock there, which removes that host's locks whose process is not
     * running. The locks are read before the containers: a helper started in between is seen alive.
     */
    private void unlockAfterGoneHelpers(RepoConfig repo) throws ResticException {
        List<Repository.Lock> locks = repository.locks(repo);
        Set<String> alive = new HashSet<>();
        try {
            docker.listContainersCmd().withShowAll(true).exec().forEach(c -> {
                if (c.getNames() != null) {
                    for (String name : c.getNames()) {
                        alive.add(name.replaceFirst("^/", ""));
                    }
                }
            });
        } catch (RuntimeException e) {
            LOG.warnf("cannot list the containers, so no helper's lock in repo %s is taken for gone: %s", repo.id(),
                    e.getMessage());
            return;
        }
        Map<String, Long> highestPidOfGone = new java.util.TreeMap<>();
        for (Repository.Lock lock : locks) {
            if (lock.hostname().startsWith(ownHelperPrefix()) && !alive.contains(lock.hostname())) {
                highestPidOfGone.merge(lock.hostname(), lock.pid(), Math::max);
            }
        }
        for (var gone : highestPidOfGone.entrySet()) {
            try (Helper helper = start(List.of(), repo, "locks", Priority.FULL, gone.getKey())) {
                helper.unlockAsItsHost(gone.getValue());
                LOG.infof("repo %s: the locks of helper %s, which is gone, removed", repo.id(), gone.getKey());
            } catch (IOException | ResticException e) {
                LOG.warnf("repo %s: the locks of helper %s, which is gone, stay (restic takes them for stale after "
                        + "30 minutes): %s", repo.id(), gone.getKey(), e.getMessage());
            }
        }
    }

    /**
     * The start of the names of the helpers this sidecar makes. In a swarm every node's helpers write
     * locks into the same repos and a node sees only its own containers: the node in the name keeps a
     * restarted node from taking another node's live helper locks for its own leftovers. (Cut to 24
     * characters for the 63 of a host name: nodes whose names share their first 24 would share it.)
     */
    private String ownHelperPrefix() {
        if (role == SwarmRole.ALL) {
            return HELPER_PREFIX;
        }
        String node = config.instance().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        return HELPER_PREFIX + node.substring(0, Math.min(24, node.length())) + "-";
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

    /**
     * The repo's key, and every file its extended options name (the SSH key in an SFTP primary's
     * {@code sftp.command}) at the same path as in the sidecar: a helper reaches the repo as it does.
     */
    private static ByteArrayInputStream filesArchive(RepoConfig repo) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
            for (var file : helperFiles(repo).entrySet()) {
                byte[] content = Files.readAllBytes(file.getValue());
                TarArchiveEntry entry = new TarArchiveEntry(file.getKey());
                entry.setSize(content.length);
                entry.setMode(0400);
                out.putArchiveEntry(entry);
                out.write(content);
                out.closeArchiveEntry();
            }
        }
        return new ByteArrayInputStream(tar.toByteArray());
    }

    /** Where in the helper (relative to its {@code /}) each file it is given goes, and the sidecar's file. */
    static Map<String, Path> helperFiles(RepoConfig repo) {
        Map<String, Path> files = new java.util.LinkedHashMap<>();
        files.put(Helper.KEY_PATH.substring(1), repo.keyFile());
        for (String value : repo.options().values()) {
            // "ssh -i /keys/id -o UserKnownHostsFile=/dev/null ...": the words that are files here
            for (String word : value.split("[\\s=]+")) {
                if (word.startsWith("/") && Files.isRegularFile(Path.of(word)) && Files.isReadable(Path.of(word))) {
                    files.put(word.substring(1), Path.of(word));
                }
            }
        }
        return files;
    }
}
