package org.backrestsidecar.strategy;

import com.github.dockerjava.api.DockerClient;
import jakarta.inject.Singleton;
import java.util.List;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.quiesce.ContainerNode;
import org.backrestsidecar.quiesce.Quiesced;
import org.backrestsidecar.quiesce.Quiescer;
import org.backrestsidecar.quiesce.StopOrder;
import org.backrestsidecar.volumes.VolumeCopy;

/**
 * The container's mounted files, read while it is stopped. Whatever depends on it (Compose
 * depends_on, {@code network_mode: service:X}, {@code backup.stop.after}) is stopped first and
 * started last; only what was running is started again.
 */
@Singleton
public class StopStrategy extends FileCopyStrategy {
    private final Quiescer quiescer;
    private final DockerClient docker;
    private final SidecarConfig config;

    public StopStrategy(VolumeCopy copy, Quiescer quiescer, DockerClient docker, SidecarConfig config) {
        super(copy);
        this.quiescer = quiescer;
        this.docker = docker;
        this.config = config;
    }

    @Override
    public String name() {
        return "stop";
    }

    @Override
    Quiesced freeze(Target target, TargetBackup backup) {
        List<ContainerNode> all = docker.listContainersCmd().withShowAll(true).exec().stream()
                .map(c -> ContainerNode.of(c, config.labelPrefix())).toList();
        ContainerNode self = all.stream().filter(c -> c.id().equals(target.containerId())).findFirst()
                .orElseThrow(() -> new IllegalStateException("container " + target.containerName() + " is gone"));
        List<ContainerNode> order = StopOrder.stopOrder(self, all);
        backup.note("stop order: " + String.join(" -> ", order.stream().map(ContainerNode::name).toList())
                + "; start order is the reverse");
        return quiescer.stop(order, backup.tags().plan(), backup.runId());
    }
}
