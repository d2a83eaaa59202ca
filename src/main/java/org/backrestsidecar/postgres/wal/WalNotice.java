package org.backrestsidecar.postgres.wal;

import java.util.Map;

/**
 * What a WAL stream tells people (broken, shipping again, a hole in its chain, another server):
 * fired as a CDI event and turned into a notice by notify/EventNotices, as runs, drills and restores
 * are, so that wal stays below notify in the layers (docs/architecture.md).
 *
 * @param key   names the thing that fails, so that the same one failing again is one problem
 * @param error what went wrong (problems and failures only)
 * @param hint  what it means for the user, or what to do (problems and failures only)
 */
public record WalNotice(Kind kind, String key, String title, Map<String, String> where, String error, String hint) {
    /** A problem (reminded until fine), fine again, or a failure told once (no problem kept). */
    public enum Kind { PROBLEM, FINE, FAILURE }

    static WalNotice problem(String key, String title, Map<String, String> where, String error, String hint) {
        return new WalNotice(Kind.PROBLEM, key, title, where, error, hint);
    }

    static WalNotice fine(String key, String title, Map<String, String> where) {
        return new WalNotice(Kind.FINE, key, title, where, null, null);
    }

    static WalNotice failure(String title, Map<String, String> where, String error, String hint) {
        return new WalNotice(Kind.FAILURE, null, title, where, error, hint);
    }
}
