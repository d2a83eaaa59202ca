package org.backrestsidecar.drill;

import com.github.dockerjava.api.DockerClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.volumes.Helpers;
import org.jboss.logging.Logger;

/**
 * Where a drill of a whole plan puts its throwaways when one of the plan's targets asks for its app to
 * be started ({@code backup.drill.start-app}): one network of the drill's own, internal (nothing on it
 * reaches the live stack, the host or the outside), on which each throwaway answers to its target's
 * Compose service name. So the app finds "postgres" or "redis" as it does live, but restored from the
 * backups being drilled. The throwaways of the plan's other targets that restored well are held
 * running until the apps have run, then removed with the network.
 * <p>
 * A drill of one target, or of a plan with no app, has {@link #none()}: its throwaways have no network
 * at all, as they always had.
 */
public final class DrillNetwork implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DrillNetwork.class);
    /** The label that marks a drill's network, with the sidecar's instance as its value. */
    static final String LABEL = Helpers.LABEL;
    private static final DrillNetwork NONE = new DrillNetwork(null, null);
    private final DockerClient docker;
    private final String name;
    private final List<Held> held = new ArrayList<>();

    /** A throwaway kept on the network, and the service name it answers to. */
    private record Held(Throwaways.Throwaway throwaway, String service) {
    }

    private DrillNetwork(DockerClient docker, String name) {
        this.docker = docker;
        this.name = name;
    }

    /** No network: each throwaway alone, with none (a drill of one target, a plan with no app). */
    public static DrillNetwork none() {
        return NONE;
    }

    /**
     * Whether a drill gets a network: a drill of the whole plan ({@code whole}) among whose targets
     * one asks for its app to start and another is there to start beside it.
     */
    static boolean wanted(boolean whole, List<Target> targets) {
        return whole && targets.size() > 1 && targets.stream().anyMatch(AppStart::asked);
    }

    /** The targets in the order they are drilled: the apps last, after the services held for them, each group as found. */
    static List<Target> appsLast(List<Target> targets) {
        return java.util.stream.Stream.concat(targets.stream().filter(t -> !AppStart.asked(t)),
                targets.stream().filter(AppStart::asked)).toList();
    }

    /** Makes a network for one drill of {@code plan}. */
    static DrillNetwork open(DockerClient docker, String instance, String plan) throws DrillCouldNotRun {
        String name = "backrest-sidecar-drill-" + plan.replaceAll("[^A-Za-z0-9_.-]", "-") + "-"
                + UUID.randomUUID().toString().substring(0, 8);
        try {
            docker.createNetworkCmd().withName(name).withDriver("bridge").withInternal(true)
                    .withLabels(Map.of(LABEL, instance, "backrest-sidecar.drill", plan)).exec();
        } catch (RuntimeException e) {
            throw new DrillCouldNotRun("no network for the drill of plan " + plan + " can be made, so its apps cannot "
                    + "start beside its other targets: " + e.getMessage());
        }
        return new DrillNetwork(docker, name);
    }

    /** The network's name, or empty for {@link #none()}. */
    public Optional<String> name() {
        return Optional.ofNullable(name);
    }

    /**
     * The name a target's throwaway answers to on the network: the target's name, which discovery took
     * from its Compose service (or its Swarm service without the stack's prefix), the name the app's
     * configuration gives it; its container's name when that is no host name.
     */
    public static String serviceOf(Target target) {
        return target.name().matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}") ? target.name() : target.containerName();
    }

    /**
     * Keeps a throwaway that restored well running on the network until the drill ends, for the apps
     * that start after it; its own close then leaves it. Nothing is held without a network.
     */
    public void hold(Throwaways.Throwaway throwaway, Target target) {
        if (name == null) {
            return;
        }
        throwaway.keep();
        held.add(new Held(throwaway, serviceOf(target)));
    }

    /** The services held on the network, for a drill's report ("beside pg-drill, redis-drill"). */
    public List<String> services() {
        return held.stream().map(Held::service).toList();
    }

    /** Removes the held throwaways, then the network. */
    @Override
    public void close() {
        if (name == null) {
            return;
        }
        held.forEach(h -> h.throwaway().remove());
        held.clear();
        try {
            docker.removeNetworkCmd(name).exec();
        } catch (RuntimeException e) {
            // a leftover network is removed at the next start (Helpers.removeLeftovers)
            LOG.warnf("the drill's network %s could not be removed: %s", name, e.getMessage());
        }
    }
}
