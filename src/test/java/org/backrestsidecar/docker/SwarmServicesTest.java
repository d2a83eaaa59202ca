package org.backrestsidecar.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Which Swarm services the sidecar scales, read from a service as the engine shows it (the shape of
 * {@code GET /services/{id}}, Docker 20.10): only a replicated one of its own stack whose containers
 * carry the enable label. The update itself is proven on a real swarm (swarm/SwarmBacksUpEachNodeIT).
 */
class SwarmServicesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode service(String stack, String enable, String mode) throws Exception {
        return JSON.readTree("""
                {"ID": "k3v9", "Version": {"Index": 42}, "Spec": {"Name": "ai_notes",
                 "Labels": {%s},
                 "TaskTemplate": {"ContainerSpec": {"Image": "debian", "Labels": {%s}}},
                 "Mode": %s}}""".formatted(stack == null ? "" : "\"com.docker.stack.namespace\": \"" + stack + "\"",
                enable == null ? "" : "\"backup.enable\": \"" + enable + "\"", mode));
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("another stack", "other", "true", "{\"Replicated\": {\"Replicas\": 1}}",
                        "service ai_notes is not one of this stack's (ai), but of stack other"),
                Arguments.of("no stack", null, "true", "{\"Replicated\": {\"Replicas\": 1}}",
                        "service ai_notes is not one of this stack's (ai), but of no stack"),
                Arguments.of("not labelled", "ai", null, "{\"Replicated\": {\"Replicas\": 1}}",
                        "service ai_notes has no backup.enable label on its containers: the sidecar scales only the "
                                + "services it backs up"),
                Arguments.of("labelled false", "ai", "false", "{\"Replicated\": {\"Replicas\": 1}}",
                        "service ai_notes has no backup.enable label on its containers: the sidecar scales only the "
                                + "services it backs up"),
                Arguments.of("global", "ai", "true", "{\"Global\": {}}",
                        "service ai_notes is not replicated ({\"Global\":{}}): only a replicated service can be scaled "
                                + "to 0 and back"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void isRefusedSayingWhy(String name, String stack, String enable, String mode, String why) throws Exception {
        SwarmServices.Refused e = assertThrows(SwarmServices.Refused.class,
                () -> SwarmServices.scalable(service(stack, enable, mode), "ai_notes", "ai", "backup.enable"));
        assertEquals(why, e.getMessage());
    }

    @Test
    void aReplicatedLabelledServiceOfTheStackIsScaled() throws Exception {
        assertEquals(3, SwarmServices.scalable(service("ai", "true", "{\"Replicated\": {\"Replicas\": 3}}"), "ai_notes",
                "ai", "backup.enable").path("Replicas").asInt());
    }
}
