package org.backrestsidecar.backrest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.Retention;
import org.backrestsidecar.config.SidecarConfig;

/**
 * The sidecar's repos and plans as Backrest's config.json has them (protojson, Backrest v1.13+,
 * config version 6): each repo with its key and its restic id, each plan with its retention tiers
 * and its schedule disabled, because the sidecar runs it.
 *
 * <p>A repo is never sent with {@code autoInitialize}: the sidecar creates its repos, and Backrest
 * honours that flag only at its own start-up (sent later, a repo without a guid makes its
 * orchestrator refuse this and every later config while SetConfig still answers 200). A repo whose
 * restic id is not known yet, to us or to Backrest, is left out with its plans until it is.
 */
public final class BackrestConfigRenderer {
    /** Backrest's migration count for v1.13 and newer; a higher number makes Backrest refuse to start. */
    public static final int CONFIG_VERSION = 6;
    /** Where Backrest sees the data when an operator presses "Backup now" on one of our plans. */
    static final String BACKREST_DATA_PATH = "/userdata";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Lists Backrest sorts when it validates a config, and so answers sorted. */
    private static final Set<String> SORTED_LISTS = Set.of("env", "paths");

    /** The config to send, and which of our repos had to stay out of it and why. */
    public record Merged(ObjectNode config, List<String> leftOut) {
    }

    private BackrestConfigRenderer() {
    }

    /** A config.json holding only the sidecar's repos and plans (auth is setup's business). */
    public static Merged fresh(SidecarConfig config, Map<String, String> keys, Map<String, String> guids) {
        ObjectNode root = JSON.createObjectNode();
        root.put("modno", 1);
        root.put("version", CONFIG_VERSION);
        root.put("instance", config.instance());
        return merge(root, config, keys, guids);
    }

    /**
     * {@code current} with every repo and plan of the sidecar put in: the fields the sidecar owns
     * are set, anything else on them (hooks, a check policy the operator added) and every repo and
     * plan the operator made in Backrest are left as they were.
     */
    public static Merged merge(JsonNode current, SidecarConfig config, Map<String, String> keys,
                               Map<String, String> guids) {
        ObjectNode merged = current.deepCopy();
        ArrayNode repos = merged.withArray("repos");
        List<String> leftOut = new ArrayList<>();
        Set<String> skippedRepos = new HashSet<>();
        for (RepoConfig repo : config.repos()) {
            ObjectNode existing = find(repos, repo.id());
            Optional<String> guid = Optional.ofNullable(guids.get(repo.id()))
                    .or(() -> Optional.ofNullable(existing).map(r -> r.path("guid").asText("")).filter(g -> !g.isEmpty()));
            if (guid.isEmpty()) {
                skippedRepos.add(repo.id());
                leftOut.add("repo " + repo.id() + " is not in Backrest yet: restic cannot read its id (the sidecar "
                        + "could not create or open it; see the readiness check 'repos')");
                continue;
            }
            put(repos, repo(existing, repo, keys.get(repo.id()), guid.get()));
        }
        ArrayNode plans = merged.withArray("plans");
        for (PlanConfig plan : config.plans()) {
            if (!skippedRepos.contains(plan.repo())) {
                put(plans, plan(find(plans, plan.id()), plan));
            }
        }
        return new Merged(merged, leftOut);
    }

    /**
     * Whether two configs say the same to Backrest: compared as protojson writes them (fields at
     * their default and empty lists left out, env and paths sorted, repos and plans by id), without
     * {@code auth}, whose hashes GetConfig masks.
     */
    public static boolean same(JsonNode a, JsonNode b) {
        return normalised(a).equals(normalised(b));
    }

    static JsonNode normalised(JsonNode config) {
        ObjectNode copy = config.deepCopy();
        copy.remove("auth");
        return normalise(copy, "");
    }

    private static JsonNode normalise(JsonNode node, String name) {
        if (node.isObject()) {
            ObjectNode out = JSON.createObjectNode();
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            names.sort(Comparator.naturalOrder());
            for (String field : names) {
                JsonNode value = normalise(node.get(field), field);
                if (!isDefault(value)) {
                    out.set(field, value);
                }
            }
            return out;
        }
        if (node.isArray()) {
            List<JsonNode> items = new ArrayList<>();
            node.forEach(item -> items.add(normalise(item, "")));
            if (SORTED_LISTS.contains(name)) {
                items.sort(Comparator.comparing(JsonNode::asText));
            } else if (name.equals("repos") || name.equals("plans")) {
                items.sort(Comparator.comparing(n -> n.path("id").asText()));
            }
            ArrayNode out = JSON.createArrayNode();
            out.addAll(items);
            return out;
        }
        return node;
    }

    /** protojson leaves these out; a message that is set stays, even when empty. */
    private static boolean isDefault(JsonNode value) {
        return value.isNull()
                || (value.isTextual() && value.asText().isEmpty())
                || (value.isNumber() && value.asDouble() == 0)
                || (value.isBoolean() && !value.asBoolean())
                || (value.isArray() && value.isEmpty());
    }

    static ObjectNode repo(ObjectNode existing, RepoConfig repo, String key, String guid) {
        ObjectNode r = existing == null ? JSON.createObjectNode() : existing.deepCopy();
        r.put("id", repo.id());
        r.put("uri", repo.uri());
        r.put("guid", guid);
        r.remove("autoInitialize");
        r.put("password", key);
        r.remove("env");
        // Backrest opens a remote repo with the same credentials: it keeps its env in its config.json
        java.util.Map<String, String> all = new java.util.TreeMap<>(repo.env());
        repo.envFiles().forEach((name, file) -> {
            try {
                all.put(name, java.nio.file.Files.readString(file).strip());
            } catch (java.io.IOException e) {
                // restic reports the unreadable file on the next run; Backrest gets the rest
            }
        });
        if (!all.isEmpty()) {
            ArrayNode env = r.putArray("env");
            all.forEach((k, v) -> env.add(k + "=" + v));
        }
        return r;
    }

    static ObjectNode plan(ObjectNode existing, PlanConfig plan) {
        ObjectNode p = existing == null ? JSON.createObjectNode() : existing.deepCopy();
        p.put("id", plan.id());
        p.put("repo", plan.repo());
        ArrayNode paths = p.putArray("paths");
        if (plan.paths().isEmpty()) {
            paths.add(BACKREST_DATA_PATH);
        } else {
            plan.paths().stream().map(Object::toString).sorted().forEach(paths::add);
        }
        p.putObject("schedule").put("disabled", true);
        Retention r = plan.retention();
        ObjectNode tiers = p.putObject("retention").putObject("policyTimeBucketed");
        // a tier at 0 is what protojson leaves out
        putIfSet(tiers, "daily", r.daily());
        putIfSet(tiers, "weekly", r.weekly());
        putIfSet(tiers, "monthly", r.monthly());
        putIfSet(tiers, "yearly", r.yearly());
        putIfSet(tiers, "keepLastN", r.last());
        return p;
    }

    private static void putIfSet(ObjectNode tiers, String name, int count) {
        if (count > 0) {
            tiers.put(name, count);
        }
    }

    private static ObjectNode find(ArrayNode list, String id) {
        for (JsonNode item : list) {
            if (id.equals(item.path("id").asText())) {
                return (ObjectNode) item;
            }
        }
        return null;
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
