package org.backrestsidecar.jobs;

import java.util.concurrent.ThreadFactory;

/**
 * The sidecar's own background threads. Each is a daemon: a run, a restore or a wait that outlives
 * the sidecar's shutdown must not hold the JVM up (its journal finishes or undoes it at the next
 * start). Named, so that a thread dump says whose work it is.
 */
public final class Daemons {
    private Daemons() {
    }

    /** Daemon threads named {@code name}, for an executor. */
    public static ThreadFactory named(String name) {
        return work -> {
            Thread thread = new Thread(work, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Starts {@code work} on a daemon thread of its own. */
    public static Thread start(String name, Runnable work) {
        Thread thread = named(name).newThread(work);
        thread.start();
        return thread;
    }
}
