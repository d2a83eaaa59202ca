package org.backrestsidecar.restic;

/**
 * A snapshot a backup just made, with what it cost the repo and what it holds.
 *
 * @param files regular files in it, as restic counted them (symlinks and directories not counted)
 */
public record StoredSnapshot(String id, String path, long bytesAdded, long bytesProcessed, long files) {
}
