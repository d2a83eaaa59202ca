package org.backrestsidecar.backrest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.backrestsidecar.config.ConfigLoader;
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.Retention;
import org.backrestsidecar.config.SidecarConfig;
import org.junit.jupiter.api.Test;

class BackrestConfigRendererTest {
    private final SidecarConfig config = new SidecarConfig(Path.of("sidecar.yml"), "dockerhost1", "backup",
            Optional.empty(), ZoneId.of("UTC"), Path.of("/state"), Optional.empty(), Optional.empty(),
            ConfigLoader.defaultRepos(Path.of("/repos"), Path.of("/keys")).stream()
                    .map(r -> r.id().equals("models") ? new RepoConfig(r.id(), r.uri(), r.keyFile(),
                            Map.of("AWS_REGION", "eu-west-1")) : r).toList(),
            List.of(ConfigLoader.defaultPlans().get(0), ConfigLoader.defaultPlans().get(1),
                    new PlanConfig("system", "system", "0 1 * * 0", new Retention(7, 4, 0, 0, 3),
                            List.of(Path.of("/stack/config")), Optional.empty())),
            org.backrestsidecar.config.DrillConfig.DEFAULT, org.backrestsidecar.config.NotificationsConfig.DEFAULT,
            org.backrestsidecar.config.AccessConfig.DEFAULT);
    private final Map<String, String> keys = Map.of("critical", "k1-0123456789abcdef", "models", "k2-0123456789abcdef",
            "system", "k3-0123456789abcdef");

    @Test
    void theRenderedConfigFollowsEveryRuleBackrestHas() {
        BackrestConfigRenderer.Merged rendered = BackrestConfigRenderer.fresh(config, keys,
                Map.of("critical", "c".repeat(64), "models", "d".repeat(64)));
        JsonNode c = rendered.config();
        assertEquals(List.of(), BackrestConfigRules.problems(c));
        assertEquals(6, c.path("version").asInt());
        JsonNode critical = c.path("repos").get(0);
        assertEquals("c".repeat(64), critical.path("guid").asText(), "an existing repo is named by its restic id");
        assertEquals("AWS_REGION=eu-west-1", c.path("repos").get(1).path("env").get(0).asText());
        assertEquals("k2-0123456789abcdef", c.path("repos").get(1).path("password").asText());
        assertFalse(c.toString().contains("autoInitialize"), "Backrest honours it only at its start: never sent");
        assertEquals(2, c.path("repos").size(), "system's restic id is unknown: left out");
        assertEquals(List.of("critical", "models"), List.of(c.path("plans").get(0).path("id").asText(),
                c.path("plans").get(1).path("id").asText()), "and its plan with it");
        assertTrue(rendered.leftOut().get(0).startsWith("repo system"), rendered.leftOut().toString());
        JsonNode plan = c.path("plans").get(0);
        assertTrue(plan.path("schedule").path("disabled").asBoolean(), "the sidecar runs it, not Backrest");
        assertEquals("{\"daily\":30,\"weekly\":12,\"monthly\":12,\"yearly\":5}",
                plan.path("retention").path("policyTimeBucketed").toString());
        JsonNode system = BackrestConfigRenderer.fresh(config, keys, Map.of("system", "e".repeat(64))).config()
                .path("plans").get(0);
        assertEquals("{\"daily\":7,\"weekly\":4,\"keepLastN\":3}",
                system.path("retention").path("policyTimeBucketed").toString(), "tiers at 0 left out, as protojson does");
        assertEquals("[\"/stack/config\"]", system.path("paths").toString());
    }

    @Test
    void mergingKeepsWhatTheOperatorMadeAndReplacesOurOwn() throws Exception {
        JsonNode current = new ObjectMapper().readTree("""
                {"modno":4,"version":6,"instance":"dockerhost1",
                 "repos":[{"id":"offsite","uri":"s3:bucket","password":"x-0123456789abcdef","autoInitialize":true},
                          {"id":"critical","uri":"/old/place","password":"stale","autoInitialize":true}],
                 "plans":[{"id":"photos","repo":"offsite","paths":["/userdata/photos"],"schedule":{"cron":"0 5 * * *"},
                           "retention":{"policyKeepLastN":10}}],
                 "auth":{"disabled":false,"users":[{"name":"admin","passwordBcrypt":"JDJhJDEwJDAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEy"}]}}
                """);
        Map<String, String> guids = Map.of("critical", "c".repeat(64), "models", "d".repeat(64), "system", "e".repeat(64));
        JsonNode merged = BackrestConfigRenderer.merge(current, config, keys, guids).config();
        assertEquals(List.of(), BackrestConfigRules.problems(merged));
        assertEquals(4, merged.path("modno").asInt(), "the modno Backrest must see is the one it gave");
        assertEquals("offsite", merged.path("repos").get(0).path("id").asText());
        assertTrue(merged.path("repos").get(0).path("autoInitialize").asBoolean(), "the operator's repo untouched");
        assertEquals("/repos/critical", merged.path("repos").get(1).path("uri").asText());
        assertFalse(merged.path("repos").get(1).has("autoInitialize"), "ours is named by its guid instead");
        assertEquals(4, merged.path("repos").size());
        assertEquals("photos", merged.path("plans").get(0).path("id").asText());
        assertEquals(current.path("auth"), merged.path("auth"));
        assertEquals(merged, BackrestConfigRenderer.merge(merged, config, keys, guids).config(),
                "a second merge changes nothing");
    }

    @Test
    void aConfigIsTheSameAsBackrestsProtojsonAnswerForIt() throws Exception {
        Map<String, String> guids = Map.of("critical", "c".repeat(64), "models", "d".repeat(64), "system", "e".repeat(64));
        JsonNode sent = BackrestConfigRenderer.fresh(config, keys, guids).config();
        // what GetConfig answers for it: defaults left out, lists sorted, hashes masked, extra messages kept
        ObjectNode answered = (ObjectNode) sent.deepCopy();
        ((ObjectNode) answered.path("plans").get(0)).remove("hooks");
        ((ObjectNode) answered.path("repos").get(2)).put("autoUnlock", false);
        ((ObjectNode) answered.path("repos").get(2)).putArray("flags");
        answered.putObject("auth").putArray("users").addObject().put("name", "admin").put("passwordBcrypt", "********");
        var plans = (com.fasterxml.jackson.databind.node.ArrayNode) answered.path("plans");
        JsonNode first = plans.remove(0);
        plans.add(first);
        assertTrue(BackrestConfigRenderer.same(sent, answered), "nothing changed: no SetConfig");
        ((ObjectNode) answered.path("plans").get(0).path("retention").path("policyTimeBucketed")).put("daily", 7);
        assertFalse(BackrestConfigRenderer.same(sent, answered), "a changed tier is a change");
        // the operator's own fields on our plan are kept by the merge, and then equal
        ObjectNode withHook = (ObjectNode) sent.deepCopy();
        ((ObjectNode) withHook.path("plans").get(0)).putArray("hooks").addObject().put("onError", "ON_ERROR_IGNORE");
        assertTrue(BackrestConfigRenderer.same(withHook, BackrestConfigRenderer.merge(withHook, config, keys, guids).config()));
    }

    @Test
    void theRulesThemselvesCatchWhatBackrestRefuses() throws Exception {
        JsonNode bad = new ObjectMapper().readTree("""
                {"modno":1,"version":7,"instance":"my host",
                 "repos":[{"id":"_r_","uri":"/r","password":"p","guid":"abc","autoInitialize":true}],
                 "plans":[{"id":"p","repo":"nope","paths":[],"schedule":{"disabled":true,"cron":"0 1 * * *"},
                           "retention":{"policyKeepAll":true,"policyKeepLastN":3},"keepDaily":3}],
                 "auth":{"users":[{"name":"admin","passwordBcrypt":"$2a$10$notbase64"}]}}
                """);
        String all = String.join("\n", BackrestConfigRules.problems(bad));
        for (String expected : List.of("version must be 6", "instance 'my host'", "exactly one of guid and autoInitialize",
                "guid must be 64 hex", "id '_r_'", "repo 'nope' is not a repo", "paths is required",
                "schedule needs exactly one", "retention needs exactly one", "keepDaily is not a Backrest field",
                "passwordBcrypt is not base64")) {
            assertTrue(all.contains(expected), expected + " in\n" + all);
        }
    }
}
