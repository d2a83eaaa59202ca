package org.backrestsidecar.drill;

/**
 * The drill could not be set up (no throwaway could be created or started, the throwaway never came
 * up): nothing was learnt about the backup, which is not the same as a backup that failed its checks.
 */
public class DrillCouldNotRun extends Exception {
    public DrillCouldNotRun(String message) {
        super(message);
    }
}
