package org.backrestsidecar.restic;

/** A snapshot a backup just made, with what it cost the repo. */
public record StoredSnapshot(String id, String path, long bytesAdded, long bytesProcessed) {
}
