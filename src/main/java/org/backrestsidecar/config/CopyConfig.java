package org.backrestsidecar.config;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * A copy of a repo somewhere else (another disk, sftp, a REST server, S3...), kept by
 * {@code restic copy} after every good run and on its own {@code schedule}.
 *
 * @param id            the copy's name, unique within its repo (e.g. {@code offsite})
 * @param repo          the copy as restic sees it: its URI, its own key, its own environment
 * @param retention     its own tiers; empty: each plan's own
 * @param limitUpload   KiB/s restic may send (empty: no limit)
 * @param appendOnly    its server keeps what it was given (restic's REST protocol served append-only, S3
 *                      Object Lock): the sidecar only adds to it (and reads it to count and to drill), never forgets, prunes or
 *                      re-indexes there; its retention runs where the copy lives, with a key the host
 *                      never holds (offsite/AppendOnlyRetention says which commands)
 */
public record CopyConfig(String id, RepoConfig repo, Optional<String> schedule, Optional<Retention> retention,
                         OptionalInt limitUpload, OptionalInt limitDownload, boolean appendOnly) {
}
