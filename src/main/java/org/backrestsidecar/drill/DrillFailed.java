package org.backrestsidecar.drill;

/** A drill found the backup does not restore, or restores to something other than what was saved. */
public class DrillFailed extends Exception {
    public DrillFailed(String message) {
        super(message);
    }
}
