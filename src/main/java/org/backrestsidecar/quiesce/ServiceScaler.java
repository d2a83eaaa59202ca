package org.backrestsidecar.quiesce;

import java.io.IOException;

/**
 * Scales a Swarm service, which only a manager's engine can: how a restore stops a Swarm task's
 * container without Swarm starting another in its place (stopping the container itself would make
 * Swarm start a new task, perhaps elsewhere, while the data is written). Implemented where the
 * sidecar knows the other nodes (nodes/ScaleThroughManager).
 */
public interface ServiceScaler {
    /**
     * Sets {@code service}'s replicas.
     *
     * @return its replicas before
     * @throws IOException no manager could be asked, or it refused (the reason in the message)
     */
    int scale(String service, int replicas) throws IOException;

    /** The replicas {@code service} is set to now. */
    int replicas(String service) throws IOException;
}
