package org.backrestsidecar.restore;

/** A restore request that cannot be carried out as asked; the API answers 400 with the message. */
public class RestoreRefused extends RuntimeException {
    public RestoreRefused(String message) {
        super(message);
    }
}
