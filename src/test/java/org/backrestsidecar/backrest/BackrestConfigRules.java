package org.backrestsidecar.backrest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Every rule of Backrest's config.json that shared/reference/backrest.md states, checked the way
 * Backrest would refuse a file: what is wrong, by JSON path. Empty means Backrest accepts it.
 */
public final class BackrestConfigRules {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final Set<String> CONFIG = Set.of("modno", "version", "instance", "repos", "plans", "auth", "sync");
    private static final Set<String> REPO = Set.of("id", "uri", "guid", "autoInitialize", "password", "env", "flags",
            "prunePolicy", "checkPolicy", "hooks", "autoUnlock", "commandPrefix", "shared", "originInstanceId",
            "forgetPolicy");
    private static final Set<String> PLAN = Set.of("id", "repo", "paths", "excludes", "iexcludes", "schedule",
            "retention", "hooks", "skipIfUnchanged", "backup_flags");
    private static final Set<String> SCHEDULE_KINDS = Set.of("disabled", "cron", "maxFrequencyDays", "maxFrequencyHours");
    private static final Set<String> RETENTION_KINDS = Set.of("policyKeepLastN", "policyKeepAll", "policyTimeBucketed");
    private static final Set<String> BUCKETS = Set.of("hourly", "daily", "weekly", "monthly", "yearly", "keepLastN");

    private BackrestConfigRules() {
    }

    public static List<String> problems(JsonNode c) {
        List<String> p = new ArrayList<>();
        fields(c, CONFIG, "", p);
        if (c.path("version").asInt(-1) != 6) {
            p.add("version must be 6 (Backrest v1.13+), is " + c.path("version"));
        }
        String instance = c.path("instance").asText("");
        if (instance.isEmpty() || instance.length() > 50 || !ID.matcher(instance).matches()) {
            p.add("instance '" + instance + "' must be 1-50 of [A-Za-z0-9_.-]");
        }
        Set<String> repoIds = new HashSet<>();
        for (JsonNode r : c.path("repos")) {
            String at = "repos." + r.path("id").asText();
            fields(r, REPO, at, p);
            id(r, at, p);
            repoIds.add(r.path("id").asText());
            if (r.path("uri").asText("").isEmpty()) {
                p.add(at + ".uri is required");
            }
            boolean guid = r.has("guid");
            boolean auto = r.path("autoInitialize").asBoolean(false);
            if (guid == auto) {
                p.add(at + ": exactly one of guid and autoInitialize");
            }
            if (guid && !r.path("guid").asText().matches("[0-9a-f]{64}")) {
                p.add(at + ".guid must be 64 hex digits");
            }
            for (JsonNode e : r.path("env")) {
                if (!e.asText().matches("[A-Za-z_][A-Za-z0-9_]*=.*")) {
                    p.add(at + ".env '" + e.asText() + "' must be KEY=VALUE");
                }
            }
        }
        for (JsonNode plan : c.path("plans")) {
            String at = "plans." + plan.path("id").asText();
            fields(plan, PLAN, at, p);
            id(plan, at, p);
            if (!repoIds.contains(plan.path("repo").asText())) {
                p.add(at + ".repo '" + plan.path("repo").asText() + "' is not a repo");
            }
            if (plan.path("paths").size() == 0 && !plan.has("backup_flags")) {
                p.add(at + ".paths is required");
            }
            Set<String> schedule = names(plan.path("schedule"));
            schedule.remove("clock");
            if (schedule.size() != 1 || !SCHEDULE_KINDS.containsAll(schedule)) {
                p.add(at + ".schedule needs exactly one of " + SCHEDULE_KINDS + ", has " + schedule);
            }
            Set<String> retention = names(plan.path("retention"));
            if (retention.size() != 1 || !RETENTION_KINDS.containsAll(retention)) {
                p.add(at + ".retention needs exactly one of " + RETENTION_KINDS + ", has " + retention);
            }
            if (plan.path("retention").has("policyTimeBucketed")) {
                fields(plan.path("retention").path("policyTimeBucketed"), BUCKETS, at + ".retention.policyTimeBucketed", p);
            }
        }
        for (JsonNode u : c.path("auth").path("users")) {
            String hash = u.path("passwordBcrypt").asText();
            try {
                String decoded = new String(Base64.getDecoder().decode(hash));
                if (!decoded.matches("\\$2[aby]\\$\\d\\d\\$.{53}")) {
                    p.add("auth.users." + u.path("name").asText() + ".passwordBcrypt is base64 of '" + decoded
                            + "', not of a bcrypt hash");
                }
            } catch (IllegalArgumentException e) {
                p.add("auth.users." + u.path("name").asText() + ".passwordBcrypt is not base64 (Backrest wants the "
                        + "standard base64 of the $2a$... string)");
            }
        }
        return p;
    }

    private static void id(JsonNode n, String at, List<String> p) {
        String id = n.path("id").asText("");
        if (!ID.matcher(id).matches() || id.matches("_.*_")) {
            p.add(at + ".id '" + id + "' must be [A-Za-z0-9_.-] and not _x_");
        }
    }

    private static void fields(JsonNode n, Set<String> known, String at, List<String> p) {
        for (String name : names(n)) {
            if (!known.contains(name)) {
                p.add(at + "." + name + " is not a Backrest field");
            }
        }
    }

    private static Set<String> names(JsonNode n) {
        Set<String> out = new HashSet<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }
}
