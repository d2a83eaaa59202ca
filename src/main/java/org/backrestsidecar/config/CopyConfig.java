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
 *                      Object Lock): the sidecar only adds to it (and reads it to count, check and drill), never forgets, prunes or
 *                      re-indexes there; its retention runs where the copy lives, with a key the host
 *                      never holds (offsite/AppendOnlyRetention says which commands)
 * @param readBack      its data is read back with its repo's (a part at each data check, every byte within
 *                      {@code drills.readBackIn}); false: its structure is checked only, for a copy whose
 *                      every read is paid for (an S3 copy's egress)
 */
public record CopyConfig(String id, RepoConfig repo, Optional<String> schedule, Optional<Retention> retention,
                         OptionalInt limitUpload, OptionalInt limitDownload, boolean appendOnly,
                         boolean readBack) {
}
