package org.backrestsidecar.restore;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.backrestsidecar.restic.Snapshot;
import org.backrestsidecar.strategy.BackupFacts;

/**
 * One backup of one target: the snapshots one run made of it (a dump per database, the files, the
 * facts file), or the snapshots one restore took as its safety copy. Restores and drills take a
 * backup as a whole, never a mix of runs.
 */
public record BackupSet(String target, String label, Instant time, List<Snapshot> snapshots) {

    public BackupSet {
        snapshots = List.copyOf(snapshots);
    }

    /** The snapshot that holds exactly {@code path} (a dump, the facts file), if any. */
    public Optional<Snapshot> holding(String path) {
        String absolute = path.startsWith("/") ? path : "/" + path;
        return snapshots.stream().filter(s -> s.paths().equals(List.of(absolute))).findFirst();
    }

    /** The snapshots of the target's own paths: everything but the facts file and its dumps. */
    public List<Snapshot> fileSets() {
        String ours = "/" + target + "/";
        return snapshots.stream().filter(s -> s.paths().stream().noneMatch(p -> p.startsWith(ours))).toList();
    }

    /** The dumps (stream snapshots) stored under the target's name, e.g. {@code /pg-main/app.dump}. */
    public List<String> dumps() {
        String ours = "/" + target + "/";
        return snapshots.stream().flatMap(s -> s.paths().stream()).filter(p -> p.startsWith(ours))
                .filter(p -> !p.endsWith("/" + BackupFacts.FILE)).sorted().toList();
    }

    /** When it was taken as texts for people give it: to the second, in UTC (the page shows it in the plans' zone). */
    public String shownTime() {
        return time.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    /** Whether the run stored every part of the target (its facts file, written last). */
    public boolean complete() {
        return holding(BackupFacts.pathOf(target)).isPresent();
    }

    /** A restore's safety copy rather than a run's backup. */
    public boolean safety() {
        return label.startsWith("restore:");
    }

    /** The Postgres databases it holds a dump of ({@code /pg-main/app.dump} is {@code app}). */
    public List<String> databases() {
        String ours = "/" + target + "/";
        return dumps().stream().filter(p -> p.endsWith(".dump"))
                .map(p -> p.substring(ours.length(), p.length() - ".dump".length())).toList();
    }

    public List<String> ids() {
        return snapshots.stream().map(Snapshot::shortId).toList();
    }
}
