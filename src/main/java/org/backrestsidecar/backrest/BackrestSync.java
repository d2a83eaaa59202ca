package org.backrestsidecar.backrest;

import org.backrestsidecar.jobs.Daemons;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.config.SwarmRole;
import org.backrestsidecar.restic.Repository;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.run.RunReport;
import org.jboss.logging.Logger;

/**
 * Keeps Backrest showing what the sidecar does: every repo (with its key) and plan (same tiers,
 * schedule disabled) of the sidecar exists in Backrest's config, set through its API with the
 * current modno, the operator's own repos and plans untouched; after each run Backrest is asked to
 * index that repo's snapshots. Backrest being down never fails a backup: the sync is retried every
 * few minutes and its state shown as a warning.
 */
@ApplicationScoped
public class BackrestSync {
    private static final Logger LOG = Logger.getLogger(BackrestSync.class);
    private static final long RETRY_MINUTES = 5;

    /**
     * How the last attempt went; {@code warning} is empty when Backrest is in step; {@code leftOut}
     * names our repos (and so their plans) Backrest cannot have yet.
     */
    public record Status(Instant lastAttempt, Instant lastSuccess, Optional<String> warning, List<String> leftOut) {
    }

    private final SidecarConfig config;
    private final Repository repository;
    private final Optional<BackrestClient> client;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(Daemons.named("backrest-sync"));
    /** In a swarm one Backrest is given the config by the repos task; every node still has it index. */
    private final boolean syncs;
    private volatile Status status = new Status(null, null, Optional.of("not synced yet"), List.of());

    public BackrestSync(SidecarConfig config, Repository repository, ObjectMapper json,
                        SwarmRole role) {
        this.config = config;
        this.syncs = role.keepsRepos();
        this.repository = repository;
        this.client = config.backrest().map(c -> new BackrestClient(c, json));
    }

    void start(@Observes StartupEvent ignored) {
        if (client.isPresent() && syncs) {
            worker.scheduleWithFixedDelay(this::syncQuietly, 0, RETRY_MINUTES, TimeUnit.MINUTES);
        }
    }

    void afterRun(@Observes RunReport run) {
        if (client.isEmpty() || run.repo() == null || run.repo().isEmpty()) {
            return;
        }
        worker.execute(() -> {
            try {
                client.get().indexSnapshots(run.repo());
            } catch (BackrestException e) {
                warn("indexing repo " + run.repo() + " in Backrest failed: " + e.getMessage());
            }
        });
    }

    /** Empty when no Backrest is configured, or when the repos task of a swarm keeps it (not this node). */
    public Optional<Status> status() {
        return client.filter(c -> syncs).map(c -> status);
    }

    /** One sync now; what Backrest said is in {@link #status()}. */
    public synchronized void sync() throws BackrestException {
        BackrestClient backrest = client.orElseThrow();
        Instant attempt = Instant.now();
        try {
            Map<String, String> keys = new HashMap<>();
            Map<String, String> guids = new HashMap<>();
            for (RepoConfig repo : config.repos()) {
                keys.put(repo.id(), Files.readString(repo.keyFile(), StandardCharsets.UTF_8).strip());
                try {
                    // the sidecar creates its repos: Backrest is only ever given one that exists
                    repository.ensureInitialized(repo);
                } catch (ResticException e) {
                    LOG.debugf("repo %s cannot be created yet: %s", repo.id(), e.getMessage());
                }
                repository.repoGuid(repo).ifPresent(g -> guids.put(repo.id(), g));
            }
            List<String> leftOut = List.of();
            for (int tries = 0; tries < 3; tries++) {
                JsonNode current = backrest.getConfig();
                BackrestConfigRenderer.Merged wanted = BackrestConfigRenderer.merge(current, config, keys, guids);
                leftOut = wanted.leftOut();
                // every SetConfig bumps modno, rewrites Backrest's file and drops its queued tasks: only on a change
                if (BackrestConfigRenderer.same(wanted.config(), current)) {
                    break;
                }
                try {
                    backrest.setConfig(wanted.config());
                    LOG.infof("Backrest now has the sidecar's %d repos and %d plans", config.repos().size(),
                            config.plans().size());
                    break;
                } catch (BackrestException e) {
                    // someone changed the config between our read and our write: read again
                    if (!"failed_precondition".equals(e.code()) || tries == 2) {
                        throw e;
                    }
                }
            }
            status = new Status(attempt, Instant.now(),
                    leftOut.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", leftOut)), leftOut);
        } catch (IOException e) {
            status = new Status(attempt, status.lastSuccess(), Optional.of("cannot prepare Backrest's config: "
                    + e.getMessage()), status.leftOut());
            throw new BackrestException("internal", e.getMessage());
        } catch (BackrestException e) {
            status = new Status(attempt, status.lastSuccess(), Optional.of(e.getMessage()), status.leftOut());
            throw e;
        }
    }

    private void syncQuietly() {
        try {
            sync();
        } catch (BackrestException | RuntimeException e) {
            LOG.warnf("Backrest sync failed (retried in %d minutes): %s", RETRY_MINUTES, e.getMessage());
        }
    }

    private void warn(String message) {
        LOG.warn(message);
        status = new Status(Instant.now(), status.lastSuccess(), Optional.of(message), status.leftOut());
    }

    @PreDestroy
    void stop() {
        worker.shutdownNow();
    }
}
