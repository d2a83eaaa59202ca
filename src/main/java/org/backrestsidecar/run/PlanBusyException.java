package org.backrestsidecar.run;

/** The plan is already running; a plan never overlaps itself. */
public class PlanBusyException extends Exception {
    private final String runningId;

    public PlanBusyException(String plan, String runningId) {
        super("plan " + plan + " is already running (run " + runningId + ")");
        this.runningId = runningId;
    }

    public String runningId() {
        return runningId;
    }
}
