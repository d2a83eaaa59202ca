package org.backrestsidecar.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.Map;
import org.backrestsidecar.testing.ResticCli;
import org.backrestsidecar.testing.SidecarApi;
import org.backrestsidecar.testing.SidecarStack;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.Test;

/**
 * Ollama's layout (a stand-in: the real binary cannot be had here; content-addressed blobs and
 * manifests as Ollama writes them): copied live with the paths the container sees, and a second run
 * over unchanged models adds under 1 % of their size.
 */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
class ModelsDeduplicatedTest {
    private static final long MODEL_BYTES = 3L * 80 * 1024 * 1024;

    @Test
    void secondRunOverUnchangedModelsAddsAlmostNothing() throws Exception {
        String ollama = TestDocker.container("ollama").volume("/root/.ollama")
                .labels(Map.of("backup.enable", "true", "backup.plan", "files", "com.docker.compose.service", "ollama"))
                .start("sleep 600");
        try {
            TestDocker.exec(ollama, "sh", "-c", "cd /root/.ollama && mkdir -p models/blobs "
                    + "models/manifests/registry.ollama.ai/library/tiny && for i in 1 2 3; do "
                    + "head -c " + (MODEL_BYTES / 3) + " /dev/urandom > /tmp/b && "
                    + "mv /tmp/b models/blobs/sha256-$(sha256sum /tmp/b 2>/dev/null | cut -c1-64 || echo $i)$i; done "
                    + "&& echo '{\"layers\":[]}' > models/manifests/registry.ollama.ai/library/tiny/latest").out();

            JsonPath first = SidecarApi.runPlan("files");
            assertEquals("SUCCEEDED", first.getString("state"), first.prettify());
            assertEquals("volume", first.getString("targets[0].strategy"), "guessed from the image: files, read live");
            long added = first.getLong("targets[0].bytesAdded");
            assertTrue(added > MODEL_BYTES * 9 / 10, "the first run stores the models: " + added);

            String listed = ResticCli.run(SidecarStack.repo("models"), SidecarStack.key("models"), "ls", "latest",
                    "--tag", "target:ollama", "--path", "/root/.ollama");
            assertTrue(listed.contains("/root/.ollama/models/manifests/registry.ollama.ai/library/tiny/latest"),
                    "paths as the container sees them: " + listed);

            JsonPath second = SidecarApi.runPlan("files");
            assertEquals("SUCCEEDED", second.getString("state"), second.prettify());
            long again = second.getLong("targets[0].bytesAdded");
            assertTrue(again < MODEL_BYTES / 100, "second run added " + again + " bytes of " + MODEL_BYTES);
            System.out.printf("models of %d bytes: first run added %d, second run added %d (%.4f %%)%n", MODEL_BYTES,
                    added, again, 100.0 * again / MODEL_BYTES);
        } finally {
            TestDocker.remove("ollama");
        }
    }
}
