package org.backrestsidecar.strategy;

import java.util.List;
import java.util.Map;
import org.backrestsidecar.restic.StoredSnapshot;

/**
 * What one run's backup of one target held, recorded as it was made and stored beside it (as
 * {@code <target>/backup-facts.json} in the same run's snapshots), so a restore drill can prove that
 * a restore gives back the same thing: row counts per table, Redis's key count, the files and bytes
 * of each snapshot.
 *
 * @param counts    per scope (a database name, an SQLite path, {@code redis}) the count per item
 *                  (table, {@code keys})
 * @param snapshots every snapshot the run made of the target, with its files and bytes
 * @param contentSums per scope (a database name) a sum of each item's content (a table's rows:
 *                  {@link PostgresRowCounts}); empty in facts recorded before sums were
 * @param restorePoints a wal-mode base backup's: per database, the named point in the WAL its
 *                  counts and sums hold at (a drill replays to it and compares), in the order they
 *                  were made; empty for other kinds and in facts recorded before them
 * @param sumFormula a Postgres target's: how each row was hashed for {@code contentSums}
 *                  ({@code PostgresRowCounts.Sum}'s id), which a drill sums the same way; null in
 *                  facts recorded before formulas were named (md5)
 */
public record BackupFacts(String target, String strategy, Map<String, Map<String, Long>> counts,
                          List<StoredSnapshot> snapshots, Map<String, Map<String, Long>> contentSums,
                          List<RestorePoint> restorePoints, String sumFormula) {
    public static final String FILE = "backup-facts.json";

    public BackupFacts {
        counts = Map.copyOf(counts);
        snapshots = List.copyOf(snapshots);
        contentSums = contentSums == null ? Map.of() : Map.copyOf(contentSums);
        restorePoints = restorePoints == null ? List.of() : List.copyOf(restorePoints);
    }

    /**
     * A point in the WAL made with {@code pg_create_restore_point} while the database's tables were
     * held from writes, so that the counts and sums recorded in the same transaction are exactly the
     * database at that point: a replay told to stop there ({@code recovery_target_name}) must give
     * them back.
     *
     * @param lsn where the point's record is, as the server said
     */
    public record RestorePoint(String database, String name, String lsn) {
    }


    /** The path the facts file has in its snapshot. */
    public static String pathOf(String target) {
        return target + "/" + FILE;
    }
}
