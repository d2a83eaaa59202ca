package org.backrestsidecar.offsite;

/** Fired when a copy attempt ends, well or not (notifications listen). */
public record CopyFinished(CopyState state) {
}
