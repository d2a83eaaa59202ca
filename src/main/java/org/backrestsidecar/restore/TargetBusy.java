package org.backrestsidecar.restore;

/** The target is being restored already; the API answers 409. */
public class TargetBusy extends RuntimeException {
    public TargetBusy(String message) {
        super(message);
    }
}
