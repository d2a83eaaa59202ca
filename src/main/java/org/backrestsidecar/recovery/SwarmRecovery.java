package org.backrestsidecar.recovery;

import org.backrestsidecar.jobs.Daemons;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.config.SwarmRole;
import org.backrestsidecar.nodes.AllNodes;
import org.backrestsidecar.nodes.NodeReport;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.restore.BackupSets;

/**
 * A whole swarm recovered from an offsite copy, asked of any one sidecar (docs/swarm.md): the copy is
 * brought back by the repos task (in a swarm it alone creates repos), then every node that answers is
 * asked, all at once, to restore the targets that run on it, and each is followed to its end. The
 * steps of every node are gathered into this one job, each named with its node. What the copy holds
 * that no node restored (its service runs nowhere, or on a node that is down) is a failure that says
 * where everything runs: a swarm missing a service is not recovered.
 */
@ApplicationScoped
public class SwarmRecovery {
    /** The query that asks a node for its own part only. */
    public static final String THIS_NODE = "thisNode=true";
    private static final Duration POLL = Duration.ofSeconds(2);
    /** A node silent this long while it restores is taken for lost (a restart loses its jobs too). */
    private static final Duration SILENT_LIMIT = Duration.ofMinutes(2);
    private final SidecarConfig config;
    private final SwarmRole role;
    private final AllNodes nodes;
    private final Recovery recovery;
    private final ObjectMapper json;
    private final ExecutorService coordinating = Executors.newSingleThreadExecutor(Daemons.named("swarm-recovery"));

    public SwarmRecovery(SidecarConfig config, SwarmRole role, AllNodes nodes, Recovery recovery, ObjectMapper json) {
        this.config = config;
        this.role = role;
        this.nodes = nodes;
        this.recovery = recovery;
        this.json = json;
    }

    /** Whether a recovery asked of this sidecar is the whole swarm's; alone (Compose) it is its own. */
    public boolean coordinates() {
        return nodes.inSwarm();
    }

    /** The copy brought back by the repos task; here, when this sidecar is that task. */
    public RecoveryJob pull(String copyId, Map<String, String> caller) {
        if (role.keepsRepos()) {
            return recovery.pull(copyId);
        }
        recovery.copiesNamed(copyId);
        return recovery.start(copyId, "pull", job -> {
            // just deployed on new hosts, Swarm's DNS may not name the repos task for some seconds yet
            // (tasks.<service>), and this sidecar, its state gone, knows of none: ask again a while
            List<NodeReport> all = askUntil(caller, nodes -> reposTask(nodes).isPresent());
            Optional<NodeReport> repos = reposTask(all);
            if (repos.isEmpty()) {
                job.step("bring back the copy", RecoveryJob.Outcome.FAILED, Instant.now(),
                        "no repos task answers (SIDECAR_SWARM_ROLE=repos): in a swarm it alone creates repos and "
                                + "brings copies back; " + describe(all));
                return;
            }
            Optional<Remote> started = startOn(job, repos.get(), "bring back the copy",
                    "/api/recovery/" + encoded(copyId) + "/pulls", null, caller);
            follow(job, started.stream().toList(), caller);
        }, coordinating);
    }

    /** Every node restores what runs on it; whatever the copy holds that no node restored fails. */
    public RecoveryJob restoreAll(String copyId, String confirm, Set<String> skip, Map<String, String> caller) {
        Map<RepoConfig, ?> copies = recovery.confirmed(copyId, confirm);
        byte[] body = body(copyId, skip);
        return recovery.start(copyId, "restore", job -> {
            Map<String, String> held = new LinkedHashMap<>();
            for (RepoConfig repo : copies.keySet()) {
                try {
                    for (BackupSets.NewestRun run : recovery.held(repo)) {
                        held.put(run.target(), recovery.planProblem(repo, run).orElse(null));
                    }
                } catch (ResticException e) {
                    job.step("read repo " + repo.id(), RecoveryJob.Outcome.FAILED, Instant.now(),
                            e.getMessage());
                }
            }
            // a node known before that does not answer now may be busy (a shared CPU, a task just
            // started): it is asked again a while before what runs there is called unrestored
            List<NodeReport> all = askUntil(caller, nodes -> nodes.stream().allMatch(NodeReport::up));
            List<Remote> started = new ArrayList<>();
            for (NodeReport node : all) {
                if (node.up() && roleOf(node).backsUp()) {
                    startOn(job, node, "restore", "/api/recovery/" + encoded(copyId) + "/restores?" + THIS_NODE, body,
                            caller).ifPresent(started::add);
                }
            }
            follow(job, started, caller);
            List<RecoveryJob.Step> steps = job.report().steps();
            for (var entry : held.entrySet()) {
                String target = entry.getKey();
                if (steps.stream().noneMatch(s -> target.equals(s.target()) && s.node() != null)) {
                    job.restore(target, RecoveryJob.Outcome.FAILED, Instant.now(),
                            entry.getValue() != null ? entry.getValue() : "no node that answers runs it (its service "
                                    + "has no task, or runs on a node that is down): " + describe(all)
                                    + "; start it (docker service ps) and run the recovery again");
                }
            }
            if (held.isEmpty()) {
                job.step("restore", RecoveryJob.Outcome.FAILED, Instant.now(), Recovery.NOTHING_HELD);
            }
        }, coordinating);
    }

    private record Remote(NodeReport node, String what, String id) {
    }

    /**
     * This sidecar (asked at 127.0.0.1, with the caller's own credentials) and every other node known,
     * each given as long as the background watch gives it (a recovery is no page to hold up).
     */
    private List<NodeReport> swarm(Map<String, String> caller) {
        List<NodeReport> all = new ArrayList<>();
        all.add(new NodeReport(config.instance(), role.word(), NodeReport.UP, Instant.now(), "127.0.0.1", null, null,
                null, null, null, null));
        all.addAll(nodes.others(config.instance(), caller, AllNodes.WATCH_WITHIN));
        return all;
    }

    /** The swarm asked again every few seconds, for up to {@link #NODES_WAIT}, until it is {@code enough}. */
    private List<NodeReport> askUntil(Map<String, String> caller, Predicate<List<NodeReport>> enough) {
        List<NodeReport> all = swarm(caller);
        Instant giveUp = Instant.now().plus(NODES_WAIT);
        while (!enough.test(all) && Instant.now().isBefore(giveUp)) {
            try {
                Thread.sleep(ASK_AGAIN.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            all = swarm(caller);
        }
        return all;
    }

    /** How long a recovery asks for the repos task, or for a node that did not answer, before it goes on. */
    private static final Duration NODES_WAIT = Duration.ofSeconds(60);
    private static final Duration ASK_AGAIN = Duration.ofSeconds(3);

    private static Optional<NodeReport> reposTask(List<NodeReport> all) {
        return all.stream().filter(n -> n.up() && roleOf(n).keepsRepos()).findFirst();
    }

    private static SwarmRole roleOf(NodeReport node) {
        return node.role() == null ? SwarmRole.NODE : SwarmRole.parse(node.role());
    }

    private static String describe(List<NodeReport> all) {
        return "nodes " + String.join(", ", all.stream().map(n -> n.node() + " (" + n.role()
                + (n.up() ? "" : ", DOWN: " + n.problem()) + ")").toList());
    }

    private Optional<Remote> startOn(RecoveryJob job, NodeReport node, String what, String path, byte[] body,
                                     Map<String, String> caller) throws InterruptedException {
        Instant start = Instant.now();
        try {
            Map<String, String> headers = new LinkedHashMap<>(caller);
            if (body != null) {
                headers.put("Content-Type", "application/json");
            }
            HttpResponse<byte[]> answer = nodes.forward(node.node(), node.address(), "POST", path, headers, body);
            String text = new String(answer.body(), StandardCharsets.UTF_8);
            if (answer.statusCode() != 202) {
                job.step(what + " on " + node.node(), RecoveryJob.Outcome.FAILED, start,
                        "node " + node.node() + " answered " + answer.statusCode() + ": " + text);
                return Optional.empty();
            }
            return Optional.of(new Remote(node, what, json.readTree(text).path("id").asText()));
        } catch (IOException e) {
            job.step(what + " on " + node.node(), RecoveryJob.Outcome.FAILED, start,
                    "node " + node.node() + " does not answer at " + node.address() + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    /** Follows every node's job to its end, then takes its steps in, each named with its node. */
    private void follow(RecoveryJob job, List<Remote> remotes, Map<String, String> caller) throws InterruptedException {
        Map<Remote, Instant> heard = new LinkedHashMap<>();
        remotes.forEach(r -> heard.put(r, Instant.now()));
        Map<Remote, String> phases = new LinkedHashMap<>();
        while (!heard.isEmpty()) {
            for (Remote remote : List.copyOf(heard.keySet())) {
                String node = remote.node().node();
                Optional<String> lost = Optional.empty();
                try {
                    HttpResponse<byte[]> answer = nodes.forward(node, remote.node().address(), "GET",
                            "/api/recovery/jobs/" + remote.id(), caller, null);
                    if (answer.statusCode() == 200) {
                        heard.put(remote, Instant.now());
                        RecoveryJob.Report report = json.readValue(answer.body(), RecoveryJob.Report.class);
                        phases.put(remote, node + ": " + report.phase());
                        if (report.state() != RecoveryJob.State.RUNNING) {
                            report.steps().forEach(s -> job.add(s.on(node)));
                            heard.remove(remote);
                            phases.remove(remote);
                        }
                    } else {
                        lost = Optional.of("answered " + answer.statusCode() + " for its job " + remote.id()
                                + " (restarted, and the job lost with it?)");
                    }
                } catch (IOException e) {
                    if (Duration.between(heard.get(remote), Instant.now()).compareTo(SILENT_LIMIT) > 0) {
                        lost = Optional.of("stopped answering for " + SILENT_LIMIT.toMinutes() + " min: " + e.getMessage());
                    }
                }
                if (lost.isPresent()) {
                    job.step(remote.what() + " on " + node, RecoveryJob.Outcome.FAILED, Instant.now(),
                            "node " + node + " " + lost.get() + "; what it did is unknown: run the recovery again");
                    heard.remove(remote);
                    phases.remove(remote);
                }
            }
            job.phase(phases.isEmpty() ? "gathering the nodes' steps" : String.join("; ", phases.values()));
            if (!heard.isEmpty()) {
                Thread.sleep(POLL.toMillis());
            }
        }
    }

    private byte[] body(String copyId, Set<String> skip) {
        try {
            return json.writeValueAsBytes(Map.of("confirm", copyId, "skip", List.copyOf(skip)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String encoded(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @PreDestroy
    void shutdown() {
        coordinating.shutdownNow();
    }
}
