package org.backrestsidecar.postgres.wal;

/** The server cannot stream WAL to us as it is; the message says what to change. */
public class WalProblem extends Exception {
    public WalProblem(String message) {
        super(message);
    }
}
