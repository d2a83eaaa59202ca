package org.backrestsidecar.jobs;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Gives back the heap a job made the JVM take. The image's serial collector returns committed heap
 * only at a full collection (down to {@code MaxHeapFreeRatio} free), and an idle sidecar collects
 * nothing: after a run it kept what the run needed, on every node of a swarm (bench/results.md, "The
 * sidecar's memory"). Once a minute, when more than {@link #FREE_ENOUGH} of the committed heap is
 * free, a full collection: a few milliseconds on a heap this small, while the sidecar waits anyway.
 */
@ApplicationScoped
public class HeapTrim {
    /** Free committed heap worth a collection to give back. */
    static final long FREE_ENOUGH = 8L * 1024 * 1024;
    private final Scheduler scheduler;
    private final String every;

    public HeapTrim(Scheduler scheduler,
                    @ConfigProperty(name = "sidecar.heap-trim.every", defaultValue = "60s") String every) {
        this.scheduler = scheduler;
        this.every = every;
    }

    void schedule(@Observes StartupEvent ignored) {
        if (every.equals("off")) {
            return;
        }
        scheduler.newJob("heap-trim").setInterval(every).setDelayed(every)
                .setConcurrentExecution(Scheduled.ConcurrentExecution.SKIP).setTask(e -> trim()).schedule();
    }

    private static void trim() {
        if (Runtime.getRuntime().freeMemory() > FREE_ENOUGH) {
            System.gc();
        }
    }
}
