package org.backrestsidecar.quiesce;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Undo steps, registered before the action they undo, run newest first exactly once: by
 * {@link #close()} on every path out of a try block, or earlier by a watchdog whose budget ran out.
 * One step failing does not stop the older ones from running.
 */
public final class UndoStack implements AutoCloseable {
    private record Step(String what, Undo undo) {
    }

    private final Deque<Step> steps = new ArrayDeque<>();
    private final List<String> failures = new ArrayList<>();

    public synchronized void push(String what, Undo undo) {
        steps.push(new Step(what, undo));
    }

    /** Runs every step not yet run, newest first; returns what failed, as "what: why". */
    public synchronized List<String> unwind() {
        while (!steps.isEmpty()) {
            Step step = steps.pop();
            try {
                step.undo().run();
            } catch (Exception e) {
                failures.add(step.what() + ": " + e.getMessage());
            }
        }
        return List.copyOf(failures);
    }

    public synchronized boolean isEmpty() {
        return steps.isEmpty();
    }

    @Override
    public void close() {
        unwind();
    }
}
