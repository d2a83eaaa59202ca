package org.backrestsidecar.quiesce;

/** What puts one thing back as it was: unpause a container, start it again, run a post hook. */
@FunctionalInterface
public interface Undo {
    void run() throws Exception;
}
