package org.backrestsidecar.strategy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.List;
import java.util.function.Function;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.quiesce.Quiesced;
import org.backrestsidecar.quiesce.Quiescer;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.volumes.ContainerPaths;
import org.backrestsidecar.volumes.Helper;
import org.backrestsidecar.volumes.Helpers;

/**
 * Copies a target's mounted files through a helper: the helper is ready before the target is frozen
 * (so the freeze lasts only as long as restic reads), the downtime budget is armed the moment it is
 * frozen, and the helper is removed on every path.
 */
@ApplicationScoped
public class VolumeCopy {
    private final DockerClient docker;
    private final Helpers helpers;
    private final Quiescer quiescer;

    public VolumeCopy(DockerClient docker, Helpers helpers, Quiescer quiescer) {
        this.docker = docker;
        this.helpers = helpers;
        this.quiescer = quiescer;
    }

    /** The in-container paths to copy: {@code backup.paths}, or every mount. */
    public List<String> paths(Target target) {
        InspectContainerResponse inspect = docker.inspectContainerCmd(target.containerId()).exec();
        List<ContainerPaths.MountPoint> mounts = inspect.getMounts() == null ? List.of() : inspect.getMounts().stream()
                .filter(m -> m.getDestination() != null)
                .map(m -> new ContainerPaths.MountPoint(m.getDestination().getPath(),
                        m.getSource() == null ? "tmpfs" : m.getName() != null ? "volume" : "bind"))
                .toList();
        return ContainerPaths.resolve(mounts, target.option("paths"));
    }

    /**
     * @param freeze pauses or stops what must hold still while restic reads (or returns an empty
     *               {@link Quiesced} for a live copy)
     */
    public void copy(Target target, TargetBackup backup, List<String> paths, List<String> excludes,
                     Function<Target, Quiesced> freeze) throws IOException, ResticException {
        try (Helper helper = helpers.start(target, backup.repo(), true, backup.priority())) {
            copyWith(helper, target, backup, paths, excludes, freeze);
        }
    }

    /** As {@link #copy}, in a helper the caller already runs (e.g. one that also made an SQLite copy). */
    public void copyWith(Helper helper, Target target, TargetBackup backup, List<String> paths, List<String> excludes,
                         Function<Target, Quiesced> freeze) throws ResticException {
        Quiesced frozen = freeze.apply(target);
        try (frozen) {
            quiescer.budget(frozen, target.maxDowntime(), helper::stopCopy);
            backup.stored(helper.backup(paths, excludes, backup.tags(), backup.host(), target.timeout(), backup.progress()));
        } catch (ResticException e) {
            if (frozen.budgetExceeded()) {
                throw new ResticException("downtime budget " + target.maxDowntime() + " exceeded: the copy was "
                        + "aborted and the container resumed", e);
            }
            throw e;
        } finally {
            backup.frozenFor(frozen.downtime());
            frozen.failures().forEach(f -> backup.failed("resume", f));
        }
    }
}
