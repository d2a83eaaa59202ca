package org.backrestsidecar.restic;

import java.util.ArrayList;
import java.util.List;

/**
 * The tags every snapshot of ours carries. {@code plan:} and {@code created-by:} are the two Backrest
 * reads to file a snapshot under its plan; {@code target:} lets us and the operator find one target's;
 * {@code run:} ties together the snapshots one run made of one target (a dump per database, the facts
 * file), which a restore and a drill take as one backup.
 *
 * <p>A safety snapshot (taken before a restore overwrites live data) carries {@code safety} and
 * {@code restore:<id>} instead of {@code plan:} and {@code run:}: no plan's retention tiers may count
 * it, and Backrest lists it under the repo rather than as one of the plan's backups.
 */
public record SnapshotTags(String plan, String instance, String target, List<String> extra) {
    public static final String SAFETY = "safety";
    /**
     * On a wal-mode Postgres target's run snapshots (its base backup and facts): every one of them
     * within the daily tier is kept, not only a day's newest, since each starts a chain of WAL whose
     * moments only it can restore ({@code Forget}).
     */
    public static final String WAL_BASE = "wal-base";
    /** On a wal-mode Postgres target's WAL snapshots (the segments streamed between base backups). */
    public static final String WAL = "wal";
    /** {@code chain:<base run>}: the base backup's run whose chain a WAL snapshot belongs to. */
    public static final String CHAIN = "chain";
    /**
     * {@code next-chain:<base run>}: on a chain's last WAL snapshot, shipped when the next base backup
     * (of that run) had been stored; the next chain takes over from that snapshot's moment.
     */
    public static final String NEXT_CHAIN = "next-chain";
    /**
     * {@code upto:<moment>} on a WAL snapshot: the newest moment whose WAL it holds, on the server's
     * clock (the server had written that moment's WAL, and the stream had it, before restic read the
     * spool). {@code upto:none} when no such moment was known (a sidecar started anew whose stream was
     * behind): the snapshot then claims nothing past its chain's base.
     */
    public static final String UP_TO = "upto";
    public static final String UP_TO_NONE = "none";
    /** The one file of a wal-mode Postgres target's base backup snapshot, {@code /<target>/base.tar}. */
    public static final String BASE_BACKUP_FILE = "base.tar";
    /**
     * {@code parent:<base run>}: on an incremental base backup's snapshot (Postgres 17+), the run of the
     * base backup it holds the changes since; restoring it needs that one, and so on to a full one.
     */
    public static final String PARENT = "parent";
    /**
     * The manifest pg_basebackup wrote into a base backup, stored beside it as {@code /<target>/backup_manifest}:
     * the next incremental base backup is taken against it without reading the whole base back.
     */
    public static final String BASE_MANIFEST_FILE = "backup_manifest";

    public SnapshotTags {
        for (String v : List.of(plan, instance, target)) {
            if (v.contains(",")) {
                // restic splits --tag values on commas
                throw new IllegalArgumentException("a tag value cannot contain ',': " + v);
            }
        }
        extra = List.copyOf(extra);
    }

    public SnapshotTags(String plan, String instance, String target) {
        this(plan, instance, target, List.of());
    }

    /** The tags of one run's snapshots of one target. */
    public static SnapshotTags ofRun(String plan, String instance, String target, String runId) {
        return new SnapshotTags(plan, instance, target, List.of("run:" + runId));
    }

    /** These tags and one more. */
    public SnapshotTags with(String tag) {
        List<String> more = new java.util.ArrayList<>(extra);
        more.add(tag);
        return new SnapshotTags(plan, instance, target, more);
    }

    /** The tags of a safety snapshot taken by restore {@code restoreId}. */
    public static SnapshotTags safety(String plan, String instance, String target, String restoreId) {
        return new SnapshotTags(plan, instance, target, List.of(SAFETY, "restore:" + restoreId));
    }

    /**
     * The newest moment a WAL snapshot holds: its {@code upto} tag; the epoch (it claims nothing) for
     * {@code upto:none} and for a tag that is no moment (one written by hand with restic's {@code tag});
     * for one shipped before snapshots carried the tag, the moment its ship began.
     */
    public static java.time.Instant walUpTo(Snapshot wal) {
        return wal.tag(UP_TO).map(SnapshotTags::upTo).orElse(wal.time());
    }

    private static java.time.Instant upTo(String tag) {
        try {
            return tag.equals(UP_TO_NONE) ? java.time.Instant.EPOCH : java.time.Instant.parse(tag);
        } catch (java.time.format.DateTimeParseException e) {
            return java.time.Instant.EPOCH;
        }
    }

    public static String planTag(String plan) {
        return "plan:" + plan;
    }

    public static String targetTag(String target) {
        return "target:" + target;
    }

    public boolean isSafety() {
        return extra.contains(SAFETY);
    }

    public List<String> all() {
        List<String> tags = new ArrayList<>();
        if (!isSafety()) {
            tags.add(planTag(plan));
        }
        tags.addAll(List.of("created-by:" + instance, targetTag(target)));
        tags.addAll(extra);
        return tags;
    }
}
