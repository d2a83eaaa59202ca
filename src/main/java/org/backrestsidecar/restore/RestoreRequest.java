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

    public RestoreRequest(String target, String snapshot, String path, String database, String newDatabase,
                          Boolean globals, Boolean dryRun, String confirm) {
        this(target, snapshot, path, database, newDatabase, globals, dryRun, confirm, null, null);
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
