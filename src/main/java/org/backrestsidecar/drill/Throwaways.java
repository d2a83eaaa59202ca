package org.backrestsidecar.drill;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.volumes.Helpers;

/**
 * Throwaway containers for drills, from the very image the target runs (its image id, so a moved
 * tag cannot swap it), with its environment and command, and a fresh empty volume at each of its
 * mount points (never its data: an image with no VOLUME for its data, or a command that prepares
 * the mount point, starts as it did on its first day), no published ports and no network, or only
 * the drill's own internal one ({@link DrillNetwork}). They carry the helper label, so one a crash
 * left is removed at start-up.
 */
@ApplicationScoped
public class Throwaways {
    private final DockerClient docker;
    private final SidecarConfig config;

    /**
     * One throwaway container; closing removes it and its anonymous volumes, unless a drill's network
     * keeps it for the apps that start after it ({@link DrillNetwork#hold}), which removes it later.
     */
    public final class Throwaway implements AutoCloseable {
        private final String id;
        private boolean kept;

        private Throwaway(String id) {
            this.id = id;
        }

        /** Left by {@link #close()}: its drill's network removes it when the drill ends. */
        void keep() {
            kept = true;
        }

        public String id() {
            return id;
        }

        public void start() throws DrillCouldNotRun {
            try {
                docker.startContainerCmd(id).exec();
            } catch (RuntimeException e) {
                throw new DrillCouldNotRun("the throwaway container does not start: " + e.getMessage());
            }
        }

        /** Why it is no longer running (its exit code and last log lines), or empty while it runs. */
        public java.util.Optional<String> ended() {
            var state = docker.inspectContainerCmd(id).exec().getState();
            if (Boolean.TRUE.equals(state.getRunning())) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of("the throwaway container exited with code " + state.getExitCodeLong());
        }

        @Override
        public void close() {
            if (!kept) {
                remove();
            }
        }

        /** Removes it and its anonymous volumes, kept or not. */
        void remove() {
            try {
                docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
            } catch (RuntimeException e) {
                // already gone; a leftover is removed at the next start
            }
        }
    }

    public Throwaways(DockerClient docker, SidecarConfig config) {
        this.docker = docker;
        this.config = config;
    }

    /**
     * Creates (does not start) a container like the target's.
     *
     * @param command the command instead of the target's, or null for the target's own
     */
    public Throwaway like(Target target, List<String> command) throws DrillCouldNotRun {
        return like(target, command, DrillNetwork.none());
    }

    /**
     * As {@link #like(Target, List)}, on a drill's network when it has one, answering there to the
     * target's service name ({@link DrillNetwork#serviceOf}).
     */
    public Throwaway like(Target target, List<String> command, DrillNetwork network) throws DrillCouldNotRun {
        try {
            return create(target, command, network);
        } catch (RuntimeException e) {
            throw new DrillCouldNotRun("no throwaway container like " + target.containerName() + " can be created: "
                    + e.getMessage());
        }
    }

    /**
     * The entrypoint that runs our own command. A Compose {@code entrypoint:} that wraps the image's in a
     * shell ({@code ["sh", "-c", "exec docker-entrypoint.sh redis-server --requirepass ..."]}, as our
     * bundle's Redis) would swallow the command: the image's own {@code docker-entrypoint.sh} (every
     * docker-library image has it, and it steps down from root) takes its place, or none when the
     * wrapper does not name it. The image's configuration itself is out of reach behind the socket
     * proxy (no image calls).
     */
    static List<String> entrypointFor(List<String> live) {
        boolean shellWrapper = live.size() >= 2 && live.contains("-c")
                && List.of("sh", "bash", "dash", "ash").contains(live.get(0).substring(live.get(0).lastIndexOf('/') + 1));
        if (!shellWrapper) {
            return live;
        }
        return live.get(live.size() - 1).contains("docker-entrypoint.sh") ? List.of("docker-entrypoint.sh") : List.of("");
    }

    private Throwaway create(Target target, List<String> command, DrillNetwork network) {
        InspectContainerResponse live = docker.inspectContainerCmd(target.containerId()).exec();
        var c = live.getConfig();
        // anonymous volumes: new and empty (or seeded from the image, as on a first start), removed with it
        List<Volume> fresh = live.getMounts() == null ? List.of() : live.getMounts().stream()
                .filter(m -> m.getDestination() != null).map(m -> new Volume(m.getDestination().getPath())).toList();
        CreateContainerCmd create = docker.createContainerCmd(live.getImageId())
                .withName("backrest-sidecar-drill-" + UUID.randomUUID().toString().substring(0, 8))
                .withLabels(Map.of(Helpers.LABEL, config.instance(), "backrest-sidecar.drill", target.name()))
                .withVolumes(fresh)
                .withHostConfig(HostConfig.newHostConfig().withNetworkMode(network.name().orElse("none")));
        if (network.name().isPresent()) {
            create.withAliases(DrillNetwork.serviceOf(target));
        }
        if (c.getEnv() != null) {
            create.withEnv(c.getEnv());
        }
        if (c.getEntrypoint() != null) {
            create.withEntrypoint(command == null ? List.of(c.getEntrypoint()) : entrypointFor(List.of(c.getEntrypoint())));
        }
        if (command != null) {
            create.withCmd(command);
        } else if (c.getCmd() != null) {
            create.withCmd(c.getCmd());
        }
        if (c.getUser() != null && !c.getUser().isEmpty()) {
            create.withUser(c.getUser());
        }
        if (c.getWorkingDir() != null && !c.getWorkingDir().isEmpty()) {
            create.withWorkingDir(c.getWorkingDir());
        }
        return new Throwaway(create.exec().getId());
    }
}
