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
 */
public record CopyConfig(String id, RepoConfig repo, Optional<String> schedule, Optional<Retention> retention,
                         OptionalInt limitUpload, OptionalInt limitDownload) {
}
