package org.backrestsidecar.drill;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.restic.ResticCommand;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.metrics.BackupMetrics;
import org.backrestsidecar.restic.Check;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.history.Histories;
import org.backrestsidecar.history.History;
import org.jboss.logging.Logger;

/**
 * {@code restic check} of every repo: the structure (weekly by default) and a share of the data
 * read back and verified (monthly). The latest result per repo and kind feeds metrics and health.
 */
@ApplicationScoped
public class RepoChecks {
    private static final Logger LOG = Logger.getLogger(RepoChecks.class);
    public static final String STRUCTURE = "structure";
    public static final String DATA = "data";

    /** One check's outcome. */
    public record Result(String repo, String kind, Instant at, boolean passed, String output) {
    }

    private final SidecarConfig config;
    private final Check check;
    private final BackupMetrics metrics;
    private final Map<String, Result> latest = new ConcurrentHashMap<>();
    private final Event<Result> checked;
    private final History<Result> history;

    public RepoChecks(SidecarConfig config, Check check, BackupMetrics metrics,
                      Event<Result> checked, Histories histories) {
        this.checked = checked;
        this.config = config;
        this.check = check;
        this.metrics = metrics;
        this.history = histories.open("checks", Result.class, r -> r.repo() + "/" + r.kind() + "@" + r.at(), Result::at);
        for (Result saved : history.entries()) {
            latest.put(saved.repo() + "/" + saved.kind(), saved);
            metrics.repoCheck(saved.repo(), saved.kind(), saved.at(), saved.passed());
        }
    }

    /** Checks one repo now; {@code data} reads back {@code drills.dataSubset} of its data. */
    public Result check(String repoId, boolean data) {
        RepoConfig repo = config.repo(repoId).orElseThrow(() -> new java.util.NoSuchElementException("no repo " + repoId));
        String kind = data ? DATA : STRUCTURE;
        Result result;
        try {
            String out = check.check(repo, data ? Optional.of(config.drills().dataSubset()) : Optional.empty());
            result = new Result(repo.id(), kind, Instant.now(), true, ResticCommand.tail(out));
        } catch (ResticException e) {
            result = new Result(repo.id(), kind, Instant.now(), false, ResticCommand.tail(e.getMessage()));
            LOG.errorf("restic check (%s) of repo %s FAILED: %s", kind, repo.id(), e.getMessage());
        }
        latest.put(repo.id() + "/" + kind, result);
        history.put(result);
        metrics.repoCheck(repo.id(), kind, result.at(), result.passed());
        checked.fire(result);
        return result;
    }

    public void checkAll(boolean data) {
        config.repos().forEach(r -> check(r.id(), data));
    }

    public List<Result> latest() {
        return latest.values().stream().sorted(Comparator.comparing(Result::repo).thenComparing(Result::kind)).toList();
    }

    public List<Result> latestOf(String repo) {
        return latest().stream().filter(r -> r.repo().equals(repo)).toList();
    }
}
