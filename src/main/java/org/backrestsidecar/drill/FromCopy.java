package org.backrestsidecar.drill;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.config.CopyConfig;
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.restic.Repository;
import org.backrestsidecar.restic.Snapshots;
import org.backrestsidecar.restic.Copy;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.restic.Snapshot;
import org.backrestsidecar.restic.SnapshotTags;
import org.backrestsidecar.restore.BackupSets;
import org.backrestsidecar.state.Folders;

/**
 * A drill from an offsite copy: the newest complete run of each of the plan's targets is read out
 * of the copy (with the copy's key, over its backend) into a scratch repo in the state folder, and
 * the ordinary drill restores it from there (a wal-mode target's base backup with its chain's WAL, and
 * an incremental one with the bases it builds on).
 * What the drill proves is then the copy's data, not the
 * primary's. The scratch repo is removed after the drill.
 */
@ApplicationScoped
public class FromCopy {
    private static final String FOLDER = "drill-from-copy";
    private final Repository repository;
    private final Snapshots snapshots;
    private final Copy resticCopy;
    private final SidecarConfig config;

    public FromCopy(Repository repository, Snapshots snapshots, Copy resticCopy, SidecarConfig config) {
        this.repository = repository;
        this.snapshots = snapshots;
        this.resticCopy = resticCopy;
        this.config = config;
    }

    /** The plan's newest runs, read out of the copy into a scratch repo (opened with the copy's key). */
    public RepoConfig bringNewest(PlanConfig plan, RepoConfig primary, CopyConfig copy) throws ResticException {
        List<Snapshot> all = snapshots.snapshots(copy.repo(), List.of(SnapshotTags.planTag(plan.id())));
        List<BackupSets.NewestRun> runs = BackupSets.newestRuns(all);
        List<String> ids = new java.util.ArrayList<>(runs.stream().flatMap(r -> r.members().stream())
                .map(Snapshot::id).toList());
        // a wal-mode target's run is its base backup: the WAL the copy holds of its chain comes with it
        java.util.Set<String> chains = runs.stream().flatMap(r -> r.newest().tag("run").stream())
                .collect(java.util.stream.Collectors.toSet());
        all.stream().filter(s -> s.tags().contains(SnapshotTags.WAL)
                        && s.tag(SnapshotTags.CHAIN).filter(chains::contains).isPresent())
                .map(Snapshot::id).forEach(ids::add);
        // an incremental base backup (Postgres 17+) is restored with every base it builds on: their runs come too
        org.backrestsidecar.restic.BaseChains bases = org.backrestsidecar.restic.BaseChains.of(all);
        java.util.Set<String> before = chains.stream().flatMap(run -> bases.ancestors(run).stream())
                .collect(java.util.stream.Collectors.toSet());
        all.stream().filter(s -> s.tag("run").filter(before::contains).isPresent() && !ids.contains(s.id()))
                .map(Snapshot::id).forEach(ids::add);
        if (ids.isEmpty()) {
            throw new ResticException("copy " + copy.id() + " of repo " + primary.id() + " holds no backup of plan "
                    + plan.id() + " yet");
        }
        RepoConfig scratch = new RepoConfig(primary.id() + "-from-" + copy.id(), folder(primary, copy).toString(),
                copy.repo().keyFile(), Map.of());
        drop(scratch);
        repository.ensureCopyInitialized(copy.repo(), scratch);
        resticCopy.copy(copy.repo(), scratch, List.of(), ids);
        return scratch;
    }

    public void drop(RepoConfig scratch) throws ResticException {
        try {
            Folders.removeTree(Path.of(scratch.uri()));
        } catch (IOException e) {
            throw new ResticException("the scratch repo " + scratch.uri() + " cannot be removed: " + e.getMessage());
        }
    }

    private Path folder(RepoConfig primary, CopyConfig copy) {
        return config.stateDir().resolve(FOLDER).resolve(primary.id() + "-" + copy.id());
    }
}
