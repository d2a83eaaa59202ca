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
 * {@code restic check} of every repo: the structure (weekly by default) and the next part of its
 * data read back and verified ({@link ReadBack}: every byte within {@code drills.readBackIn} data
 * checks, a part that failed read again until it passes). The latest result per repo and kind, and
 * where each repo's read-back stands (kept in {@code stateDir/read-back.json}, which outlives the
 * checks' 90-day history), feed metrics and health.
 */
@ApplicationScoped
public class RepoChecks {
    private static final Logger LOG = Logger.getLogger(RepoChecks.class);
    public static final String STRUCTURE = "structure";
    public static final String DATA = "data";

    /**
     * One check's outcome.
     *
     * @param part the data check's part of the repo, {@code k/N}; null for a structure check
     */
    public record Result(String repo, String kind, Instant at, boolean passed, String output, String part) {
    }

    private final SidecarConfig config;
    private final Check check;
    private final BackupMetrics metrics;
    private final Map<String, Result> latest = new ConcurrentHashMap<>();
    private final Event<Result> checked;
    private final History<Result> history;
    private final org.backrestsidecar.state.JournalFile<ReadBack> readBacks;

    public RepoChecks(SidecarConfig config, Check check, BackupMetrics metrics,
                      Event<Result> checked, Histories histories, com.fasterxml.jackson.databind.ObjectMapper json,
                      org.backrestsidecar.config.SwarmRole role) {
        this.readBacks = new org.backrestsidecar.state.JournalFile<>(config.stateDir().resolve("read-back.json"), json,
                new com.fasterxml.jackson.core.type.TypeReference<>() {
                }, "the read-back of the repos' data");
        this.checked = checked;
        this.config = config;
        this.check = check;
        this.metrics = metrics;
        this.history = histories.open("checks", Result.class, r -> r.repo() + "/" + r.kind() + "@" + r.at(), Result::at);
        for (Result saved : history.entries()) {
            latest.put(saved.repo() + "/" + saved.kind(), saved);
            metrics.repoCheck(saved.repo(), saved.kind(), saved.at(), saved.passed());
        }
        // only where the repos are checked: a Swarm node's sidecar never reads them back, and a due time
        // it exported would raise RepoNotReadBackInFull there for ever
        for (RepoConfig repo : role.keepsRepos() ? config.repos() : List.<RepoConfig>of()) {
            // never read yet: a full read-back is due N + 1 intervals from now
            measure(readBackOf(repo.id()).orElseGet(() -> ReadBack.start(repo.id(), config.drills().readBackIn(),
                    Instant.now())));
        }
    }

    /** Checks one repo now; {@code data} reads back the next part of its data ({@link ReadBack}). */
    public Result check(String repoId, boolean data) {
        RepoConfig repo = config.repo(repoId).orElseThrow(() -> new java.util.NoSuchElementException("no repo " + repoId));
        String kind = data ? DATA : STRUCTURE;
        ReadBack readBack = data ? readBackOf(repo.id()).orElseGet(() -> ReadBack.start(repo.id(),
                config.drills().readBackIn(), Instant.now())).splitInto(config.drills().readBackIn(), Instant.now()) : null;
        String part = data ? readBack.subset() : null;
        Result result;
        try {
            String out = check.check(repo, Optional.ofNullable(part));
            result = new Result(repo.id(), kind, Instant.now(), true, ResticCommand.tail(out), part);
        } catch (ResticException e) {
            result = new Result(repo.id(), kind, Instant.now(), false, ResticCommand.tail(e.getMessage()), part);
            LOG.errorf("restic check (%s%s) of repo %s FAILED: %s", kind, data ? " " + part : "", repo.id(),
                    e.getMessage());
        }
        latest.put(repo.id() + "/" + kind, result);
        history.put(result);
        metrics.repoCheck(repo.id(), kind, result.at(), result.passed());
        if (data) {
            measure(record(readBack.after(readBack.next(), result.passed(), result.at(), result.output())));
        }
        checked.fire(result);
        return result;
    }

    private synchronized ReadBack record(ReadBack now) {
        List<ReadBack> all = new java.util.ArrayList<>(readBacks.read());
        all.removeIf(r -> r.repo().equals(now.repo()));
        all.add(now);
        readBacks.write(all);
        return now;
    }

    /** Where the read-back of each repo's data stands, of those data checks have read. */
    public List<ReadBack> readBacks() {
        return readBacks.read().stream().filter(r -> config.repo(r.repo()).isPresent())
                .sorted(Comparator.comparing(ReadBack::repo)).toList();
    }

    /** Where the read-back of {@code repo}'s data stands; empty before its first data check. */
    public Optional<ReadBack> readBackOf(String repo) {
        return readBacks.read().stream().filter(r -> r.repo().equals(repo)).findFirst();
    }

    /**
     * The longest gap between two data checks, by their cron; empty when they are off (then no full
     * read-back is ever due).
     */
    public Optional<java.time.Duration> dataCheckInterval() {
        String cron = config.drills().repoDataCheck();
        return org.backrestsidecar.config.DrillConfig.OFF.equals(cron) ? Optional.empty()
                : Optional.of(org.backrestsidecar.config.CronSchedule.parse(cron, config.timeZone())
                .longestInterval(Instant.now()));
    }

    private void measure(ReadBack readBack) {
        metrics.repoReadBack(readBack.repo(), readBack.lastFullReadBack(),
                dataCheckInterval().map(readBack::due));
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
