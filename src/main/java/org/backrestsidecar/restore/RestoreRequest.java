package org.backrestsidecar.restore;

/**
 * What {@code POST /api/restores} asks for.
 *
 * @param snapshot    {@code latest} (default) or a snapshot id of the target
 * @param path        files targets: one path (as the container sees it) instead of all
 * @param database    postgres: the database to restore
 * @param newDatabase postgres: restore into this new database beside the live one
 * @param globals     postgres: also apply the roles and tablespaces dump
 * @param dryRun      say what would be written, touch nothing
 * @param confirm     the target's name, required when live data is overwritten
 * @param to          postgres in wal mode: the moment to restore to ({@code latest}, default, or a time)
 * @param newContainer postgres in wal mode: restore into a new container of this name beside the live one
 */
public record RestoreRequest(String target, String snapshot, String path, String database, String newDatabase,
                             Boolean globals, Boolean dryRun, String confirm, String to, String newContainer) {

    /** All of the target's data from {@code snapshot}, over the live data (confirmed by its name). */
    public static RestoreRequest wholeTarget(String target, String snapshot) {
        return new RestoreRequest(target, snapshot, null, null, null, null, false, target, null, null);
    }

    /** A wal-mode Postgres server, whole, to the newest moment its repo holds, over the live one. */
    public static RestoreRequest serverToLatest(String target) {
        return new RestoreRequest(target, null, null, null, null, null, false, target, "latest", null);
    }

    /** A Postgres target's roles and tablespaces (globals.sql) from {@code snapshot}. */
    public static RestoreRequest roles(String target, String snapshot) {
        return new RestoreRequest(target, snapshot, null, null, null, true, false, target, null, null);
    }

    /** One database of a Postgres target from {@code snapshot}, over the live one. */
    public static RestoreRequest database(String target, String snapshot, String database) {
        return new RestoreRequest(target, snapshot, null, database, null, null, false, target, null, null);
    }

    public boolean isDryRun() {
        return Boolean.TRUE.equals(dryRun);
    }

    public boolean wantsGlobals() {
        return Boolean.TRUE.equals(globals);
    }

    public String snapshotOrLatest() {
        return snapshot == null || snapshot.isBlank() ? BackupSets.LATEST : snapshot.strip();
    }
}
