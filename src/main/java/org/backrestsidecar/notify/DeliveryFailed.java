package org.backrestsidecar.notify;

/** A channel could not take a message; the message says why, and never holds a secret. */
public class DeliveryFailed extends Exception {
    public DeliveryFailed(String message) {
        super(message);
    }
}
