package org.backrestsidecar.drill;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.HealthCheck;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.backrestsidecar.config.Priority;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.discovery.TargetLabels;
import org.backrestsidecar.docker.ContainerExec;
import org.backrestsidecar.docker.ContainerLogs;
import org.backrestsidecar.docker.TailBuffer;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.restic.Snapshot;
import org.backrestsidecar.volumes.Helper;
import org.backrestsidecar.volumes.Helpers;

/**
 * The app itself started on its restored data ({@code backup.drill.start-app=true} on a target of a
 * file kind): "will my chats come back?" answered by the app, not by counts. A throwaway of the
 * target's image, with its environment and command, gets a fresh volume at each of its mount
 * points; the backup is restored into those volumes; the throwaway is started and its own
 * healthcheck (the container's, as Compose or the image set it) is asked until it passes. In a drill
 * of the whole plan it starts on the drill's own network ({@link DrillNetwork}), where the plan's
 * other targets, restored by the same drill, answer to their service names: the app meets its
 * database as restored, not the live one. In a drill of it alone it has no network.
 * An app that exits, or whose healthcheck has not passed when its own patience is spent (start
 * period + interval × retries + timeout), fails the drill with its last words. The healthcheck is
 * run by the drill (docker exec) every 2 s rather than by the engine, so a healthy app is known
 * at once and the throwaway needs no setting the Docker API proxy does not already allow.
 */
@ApplicationScoped
public class AppStart {
    private static final String LABEL = TargetLabels.DRILL_START_APP;
    private static final Duration ASK_EVERY = Duration.ofSeconds(2);
    private static final Duration DOCKER_INTERVAL = Duration.ofSeconds(30);
    private static final Duration DOCKER_TIMEOUT = Duration.ofSeconds(30);
    private static final int DOCKER_RETRIES = 3;
    private final DockerClient docker;
    private final Throwaways throwaways;
    private final Helpers helpers;
    private final ContainerExec exec;
    private final ContainerLogs logs;

    public AppStart(DockerClient docker, Throwaways throwaways, Helpers helpers, ContainerExec exec, ContainerLogs logs) {
        this.docker = docker;
        this.throwaways = throwaways;
        this.helpers = helpers;
        this.exec = exec;
        this.logs = logs;
    }

    /** Whether the target asks for its app to be started in its drill. */
    public static boolean asked(Target target) {
        return target.option(LABEL).map("true"::equals).orElse(false);
    }

    /**
     * @return the check's line for the drill's report
     * @throws DrillFailed the app does not start on the backup's data
     */
    public String startsOn(Target target, RepoConfig repo, List<Snapshot> sets, DrillNetwork network)
            throws DrillFailed, DrillCouldNotRun, InterruptedException {
        String beside = network.name().isEmpty() ? ""
                : network.services().isEmpty() ? " (on the drill's network, where none of the plan's other targets "
                + "restored)" : " (beside " + String.join(", ", network.services()) + ", restored by this drill)";
        InspectContainerResponse live = docker.inspectContainerCmd(target.containerId()).exec();
        HealthCheck health = live.getConfig().getHealthcheck();
        List<String> probe = probe(health == null ? null : health.getTest()).orElseThrow(() -> new DrillCouldNotRun(
                target.containerName() + " has no healthcheck, so the drill cannot tell that its app started: give it "
                        + "one (compose.yml healthcheck:), or leave out label " + LABEL));
        Duration patience = patience(health);
        try (Throwaways.Throwaway app = throwaways.like(target, null, network)) {
            restoreInto(app.id(), target, repo, sets);
            Instant started = Instant.now();
            app.start();
            Instant until = started.plus(patience);
            String lastSaid = "";
            while (true) {
                Optional<String> ended = app.ended();
                if (ended.isPresent()) {
                    throw new DrillFailed(target.name() + "'s app did not start on the restored data" + beside + ": "
                            + ended.get().replace("the throwaway container", "it") + "; its last lines: "
                            + lastLines(app.id()));
                }
                TailBuffer said = new TailBuffer(2048);
                long exit;
                try {
                    var result = exec.run(app.id(), probe, health.getTimeout() == null || health.getTimeout() <= 0
                            ? DOCKER_TIMEOUT : Duration.ofNanos(health.getTimeout()), said);
                    exit = result.exitCode();
                    lastSaid = (said.text() + " " + result.stderr()).strip();
                } catch (IOException | RuntimeException e) {
                    // an app that exited between the look and the exec (Docker: 409, not running) is
                    // told by the next look, with its exit code and last lines
                    exit = -1;
                    lastSaid = e.getMessage();
                }
                if (exit == 0) {
                    return "the app of " + target.name() + " started on the restored data" + beside + ": its healthcheck passed "
                            + Math.round(Duration.between(started, Instant.now()).toMillis() / 100.0) / 10.0
                            + " s after its start (" + String.join(" ", health.getTest()) + ")";
                }
                if (Instant.now().isAfter(until)) {
                    throw new DrillFailed(target.name() + "'s app did not start on the restored data" + beside + ": its healthcheck "
                            + "did not pass within " + patience.toSeconds() + " s (its start period, interval × retries "
                            + "and timeout); it said: " + (lastSaid.isEmpty() ? "(nothing)" : lastSaid)
                            + "; its last lines: " + lastLines(app.id()));
                }
                Thread.sleep(ASK_EVERY.toMillis());
            }
        }
    }

    /** The backup's files written into the throwaway's fresh volumes, at the paths they were backed up from. */
    private void restoreInto(String appId, Target target, RepoConfig repo, List<Snapshot> sets) throws DrillCouldNotRun,
            DrillFailed {
        List<String> mounts = helpers.mountsOf(appId);
        try (Helper helper = helpers.startWithMounts(mounts, target.name(), repo, Priority.FULL)) {
            for (Snapshot s : sets) {
                try {
                    helper.restore(s.id(), "/", null, target.timeout());
                } catch (ResticException e) {
                    throw new DrillFailed("snapshot " + s.shortId() + " does not restore into the app's volumes: "
                            + e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new DrillCouldNotRun("no helper to restore " + target.name() + "'s data for its app: " + e.getMessage());
        }
    }

    private String lastLines(String id) {
        String tail = logs.tail(id, 5).replace('\n', ' ').strip();
        return tail.isEmpty() ? "(none)" : tail;
    }

    /** What the drill runs for a healthcheck's test: CMD's words, CMD-SHELL's line in sh; none for NONE or unset. */
    static Optional<List<String>> probe(List<String> test) {
        if (test == null || test.isEmpty() || test.get(0).equals("NONE")) {
            return Optional.empty();
        }
        List<String> rest = test.subList(1, test.size());
        if (test.get(0).equals("CMD") && !rest.isEmpty()) {
            return Optional.of(List.copyOf(rest));
        }
        if (test.get(0).equals("CMD-SHELL") && rest.size() == 1) {
            return Optional.of(List.of("/bin/sh", "-c", rest.get(0)));
        }
        return Optional.empty();
    }

    /** How long Docker itself would wait before calling the app unhealthy: start period + interval × retries + timeout. */
    static Duration patience(HealthCheck health) {
        Duration interval = positive(health.getInterval()).orElse(DOCKER_INTERVAL);
        Duration timeout = positive(health.getTimeout()).orElse(DOCKER_TIMEOUT);
        Duration start = positive(health.getStartPeriod()).orElse(Duration.ZERO);
        int retries = health.getRetries() == null || health.getRetries() <= 0 ? DOCKER_RETRIES : health.getRetries();
        return start.plus(interval.multipliedBy(retries)).plus(timeout);
    }

    private static Optional<Duration> positive(Long nanos) {
        return nanos == null || nanos <= 0 ? Optional.empty() : Optional.of(Duration.ofNanos(nanos));
    }
}
