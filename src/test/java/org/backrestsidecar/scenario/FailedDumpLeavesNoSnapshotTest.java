package org.backrestsidecar.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.file.Path;
import org.backrestsidecar.testing.ResticCli;
import org.backrestsidecar.testing.SidecarApi;
import org.backrestsidecar.testing.SidecarStack;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.Test;

/**
 * pg_dump killed halfway through a table (its backend terminated while it streams): the bytes it
 * had already sent must not stand as a snapshot, the run is failed with pg_dump's own words, and
 * the next run succeeds.
 */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
class FailedDumpLeavesNoSnapshotTest {

    @Test
    void dumpKilledHalfwayIsNeverAGoodSnapshot() throws Exception {
        String pg = SidecarStack.dying().id();
        // terminates the dump's backend as soon as it is copying the big table, i.e. mid-stream
        TestDocker.execDetached(pg, "sh", "-c", "for i in $(seq 1 3000); do "
                + "r=$(psql -U postgres -Atc \"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                + "WHERE query LIKE 'COPY public.big%' AND pid <> pg_backend_pid()\"); "
                + "[ -n \"$r\" ] && echo killed > /tmp/killed && exit 0; sleep 0.02; done");

        JsonPath failed = SidecarApi.runPlan("system");
        assertEquals("killed", TestDocker.exec(pg, "cat", "/tmp/killed").out(), "the dump was really cut");
        assertEquals("FAILED", failed.getString("state"), failed.prettify());
        String error = failed.getString("targets.find { it.target == 'pg-dying' }.error");
        assertTrue(error.contains("shop.dump") && error.contains("pg_dump exited with 1")
                && error.contains("terminat"), "the run says which dump failed and why: " + error);

        Path repo = SidecarStack.repo("system");
        Path key = SidecarStack.key("system");
        String listed = ResticCli.run(repo, key, "snapshots", "--json", "--path", "/pg-dying/shop.dump");
        assertEquals("[]", listed.strip(), "no snapshot of the cut dump may exist");
        assertEquals("", ResticCli.run(repo, key, "list", "locks").strip(), "the aborted restic left no lock");

        JsonPath next = SidecarApi.runPlan("system");
        assertEquals("SUCCEEDED", next.getString("state"), next.prettify());
        String after = ResticCli.run(repo, key, "snapshots", "--json", "--path", "/pg-dying/shop.dump");
        assertFalse(after.strip().equals("[]"), "the next run stored the dump");
    }
}
