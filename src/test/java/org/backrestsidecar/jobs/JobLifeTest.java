package org.backrestsidecar.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The one life cycle of runs, restores, drills and recoveries, as the API reads it. */
class JobLifeTest {

    @Test
    void aQueuedJobStartsAtItsFirstPhaseAndEndsOnce() {
        JobLife life = new JobLife(JobLife.QUEUED);
        assertNull(life.startedAt(), "queued: not started");
        life.phase(JobLife.QUEUED);
        assertNull(life.startedAt(), "queued again: still not started");
        life.phase("backing up pg");
        Instant started = life.startedAt();
        assertNotNull(started);
        life.phase("retention");
        assertEquals(started, life.startedAt(), "started once");
        assertFalse(life.ended());
        assertNull(life.seconds(), "no duration while it runs");
        life.end("done");
        assertTrue(life.ended());
        assertEquals("done", life.phase());
        assertNotNull(life.seconds());
        assertTrue(!life.endedAt().isBefore(started));
    }

    @Test
    void aJobMadeInAPhaseHasStartedAndOneThatEndsUnstartedStartsAsItEnds() {
        JobLife starting = new JobLife("starting");
        assertEquals(starting.madeAt(), starting.startedAt(), "a first phase other than queued starts it");
        JobLife never = new JobLife(JobLife.QUEUED);
        never.end("failed");
        assertNotNull(never.startedAt(), "ended unstarted: started as it ended");
        assertEquals(never.startedAt(), never.endedAt());
    }

    @Test
    void progressIsShownWhileTheJobRunsAndAPhaseStartsItAfresh() {
        JobLife life = new JobLife(JobLife.QUEUED);
        life.phase("dumping");
        life.progress().item("app.dump", OptionalLong.of(100), null);
        assertNotNull(life.progressShown());
        assertEquals("app.dump", life.progressShown().item());
        life.phase("storing");
        assertNull(life.progressShown(), "a new phase shows nothing until it names its own item");
        life.end("done");
        assertNull(life.progressShown(), "an ended job shows no progress");
    }

    @Test
    void aRestoredLifeIsAsTheHistoryKeptIt() {
        Instant made = Instant.parse("2026-11-27T02:00:00Z");
        Instant started = Instant.parse("2026-11-27T02:00:05Z");
        Instant ended = Instant.parse("2026-11-27T02:01:05Z");
        JobLife life = JobLife.restored(made, started, ended, "done");
        assertEquals(made, life.madeAt());
        assertEquals(started, life.startedAt());
        assertEquals(65.0, life.seconds(), "from when it was made");
        assertNull(life.progressShown());
    }
}
