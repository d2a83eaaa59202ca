package org.backrestsidecar.backrest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Optional;
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.Retention;
import org.backrestsidecar.config.SidecarConfig;

/**
 * The sidecar's repos and plans as Backrest's config.json has them (protojson, Backrest v1.13+,
 * config version 6): each repo with its key and its restic id (or autoInitialize when it has none
 * yet), each plan with its retention tiers and its schedule disabled, because the sidecar runs it.
 */
public final class BackrestConfigRenderer {
    /** Backrest's migration count for v1.13 and newer; a higher number makes Backrest refuse to start. */
    public static final int CONFIG_VERSION = 6;
    /** Where Backrest sees the data when an operator presses "Backup now" on one of our plans. */
    static final String BACKREST_DATA_PATH = "/userdata";
    private static final ObjectMapper JSON = new ObjectMapper();

    private BackrestConfigRenderer() {
    }

    /** A config.json holding only the sidecar's repos and plans (auth is setup's business). */
    public static ObjectNode fresh(SidecarConfig config, Map<String, String> keys, Map<String, String> guids) {
        ObjectNode root = JSON.createObjectNode();
        root.put("modno", 1);
        root.put("version", CONFIG_VERSION);
        root.put("instance", config.instance());
        root.putArray("repos");
        root.putArray("plans");
        return merge(root, config, keys, guids);
    }

    /**
     * {@code current} with every repo and plan of the sidecar put in (replacing one of the same id),
     * and everything else the operator made in Backrest left as it was.
     */
    public static ObjectNode merge(JsonNode current, SidecarConfig config, Map<String, String> keys,
                                   Map<String, String> guids) {
        ObjectNode merged = current.deepCopy();
        ArrayNode repos = merged.withArray("repos");
        for (RepoConfig repo : config.repos()) {
            put(repos, repo(repo, keys.get(repo.id()), Optional.ofNullable(guids.get(repo.id()))));
        }
        ArrayNode plans = merged.withArray("plans");
        for (PlanConfig plan : config.plans()) {
            put(plans, plan(plan));
        }
        return merged;
    }

    static ObjectNode repo(RepoConfig repo, String key, Optional<String> guid) {
        ObjectNode r = JSON.createObjectNode();
        r.put("id", repo.id());
        r.put("uri", repo.uri());
        // Backrest wants exactly one of the two: the restic id of a repo that exists, or leave to create it
        guid.ifPresentOrElse(g -> r.put("guid", g), () -> r.put("autoInitialize", true));
        r.put("password", key);
        ArrayNode env = r.putArray("env");
        repo.env().forEach((k, v) -> env.add(k + "=" + v));
        return r;
    }

    static ObjectNode plan(PlanConfig plan) {
        ObjectNode p = JSON.createObjectNode();
        p.put("id", plan.id());
        p.put("repo", plan.repo());
        ArrayNode paths = p.putArray("paths");
        if (plan.paths().isEmpty()) {
            paths.add(BACKREST_DATA_PATH);
        } else {
            plan.paths().forEach(path -> paths.add(path.toString()));
        }
        p.putObject("schedule").put("disabled", true);
        Retention r = plan.retention();
        ObjectNode tiers = p.putObject("retention").putObject("policyTimeBucketed");
        tiers.put("daily", r.daily());
        tiers.put("weekly", r.weekly());
        tiers.put("monthly", r.monthly());
        tiers.put("yearly", r.yearly());
        if (r.last() > 0) {
            tiers.put("keepLastN", r.last());
        }
        return p;
    }

    private static void put(ArrayNode list, ObjectNode item) {
        for (int i = 0; i < list.size(); i++) {
            if (item.path("id").asText().equals(list.get(i).path("id").asText())) {
                list.set(i, item);
                return;
            }
        }
        list.add(item);
    }
}
