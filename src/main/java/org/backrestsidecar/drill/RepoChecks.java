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
 * {@code restic check} of every repo and every copy of one: the structure (weekly by default) and the
 * next part of its data read back and verified ({@link ReadBack}: every byte within
 * {@code drills.readBackIn} data checks, a part that failed read again until it passes). A copy is
 * checked with its own key under its id {@code repo/copy} (as its {@link RepoConfig} is named), right
 * after its repo; one that says {@code readBack: false} has its structure checked only. The latest result
 * per repo and kind, and where each one's read-back stands (kept in {@code stateDir/read-back.json}, which
 * outlives the checks' 90-day history), feed metrics and health.
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

    /**
     * What is checked: a repo (id {@code critical}) or a copy of one (id {@code critical/offsite}), with
     * whether its data is read back.
     */
    public record Checked(String id, RepoConfig repo, boolean readBack, java.util.OptionalInt limitDownload) {
        /** As people read it: "repo critical", "copy offsite of repo critical". */
        public String named() {
            return named(id);
        }

        public static String named(String id) {
            int slash = id.indexOf('/');
            return slash < 0 ? "repo " + id : "copy " + id.substring(slash + 1) + " of repo " + id.substring(0, slash);
        }
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
        for (Checked one : role.keepsRepos() ? checked() : List.<Checked>of()) {
            // never read yet: a full read-back is due N + 1 intervals from now
            if (one.readBack()) {
                measure(readBackOf(one.id()).orElseGet(() -> ReadBack.start(one.id(), config.drills().readBackIn(),
                        Instant.now())));
            }
        }
    }

    /** Every repo, each followed by its copies. */
    public List<Checked> checked() {
        List<Checked> all = new java.util.ArrayList<>();
        for (RepoConfig repo : config.repos()) {
            all.add(new Checked(repo.id(), repo, true, java.util.OptionalInt.empty()));
            repo.copies().forEach(c -> all.add(new Checked(c.repo().id(), c.repo(), c.readBack(), c.limitDownload())));
        }
        return all;
    }

    /** A repo by its id, or a copy by {@code repo/copy}. */
    public Optional<Checked> checked(String id) {
        return checked().stream().filter(c -> c.id().equals(id)).findFirst();
    }

    /**
     * Checks one repo or copy now ({@link #checked(String)}); {@code data} reads back the next part of its
     * data ({@link ReadBack}).
     *
     * @throws java.util.NoSuchElementException no repo or copy of that id
     * @throws IllegalArgumentException a data check of a copy that says {@code readBack: false}
     */
    public Result check(String id, boolean data) {
        Checked one = checked(id).orElseThrow(() -> new java.util.NoSuchElementException("no repo or copy " + id));
        if (data && !one.readBack()) {
            throw new IllegalArgumentException(one.named() + " is not read back (readBack: false in its config): "
                    + "its structure is checked only");
        }
        RepoConfig repo = one.repo();
        String kind = data ? DATA : STRUCTURE;
        ReadBack readBack = data ? readBackOf(repo.id()).orElseGet(() -> ReadBack.start(repo.id(),
                config.drills().readBackIn(), Instant.now())).splitInto(config.drills().readBackIn(), Instant.now()) : null;
        String part = data ? readBack.subset() : null;
        Result result;
        try {
            String out = check.check(repo, Optional.ofNullable(part), one.limitDownload());
            result = new Result(repo.id(), kind, Instant.now(), true, ResticCommand.tail(out), part);
        } catch (ResticException e) {
            result = new Result(repo.id(), kind, Instant.now(), false, ResticCommand.tail(e.getMessage()), part);
            LOG.errorf("restic check (%s%s) of %s FAILED: %s", kind, data ? " " + part : "", one.named(),
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

    /** Where the read-back of each repo's (and copy's) data stands, of those data checks have read. */
    public List<ReadBack> readBacks() {
        return readBacks.read().stream().filter(r -> checked(r.repo()).filter(Checked::readBack).isPresent())
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

    /** Every repo, each followed by its copies (a data check: those read back). */
    public void checkAll(boolean data) {
        checked().stream().filter(c -> !data || c.readBack()).forEach(c -> check(c.id(), data));
    }

    public List<Result> latest() {
        return latest.values().stream().sorted(Comparator.comparing(Result::repo).thenComparing(Result::kind)).toList();
    }

    public List<Result> latestOf(String repo) {
        return latest().stream().filter(r -> r.repo().equals(repo)).toList();
    }
}
