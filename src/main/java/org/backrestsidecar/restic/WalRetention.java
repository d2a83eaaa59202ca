package org.backrestsidecar.restic;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.backrestsidecar.config.RepoConfig;

/**
 * How long WAL is kept in a repo or a copy: a chain's WAL as long as its base backup (the plan's
 * tiers keep the bases; {@code --keep-tag wal} keeps the WAL out of them), and of each chain only
 * the newest WAL snapshot, which holds every segment the older ones held.
 */
@ApplicationScoped
public class WalRetention {
    private final Snapshots snapshots;
    private final Forget forget;

    public WalRetention(Snapshots snapshots, Forget forget) {
        this.snapshots = snapshots;
        this.forget = forget;
    }

    /**
     * @param superseded also forget each chain's older WAL snapshots (a copy, where no ship does it)
     * @return how many WAL snapshots were forgotten
     */
    public int apply(RepoConfig repo, String plan, boolean superseded) throws ResticException {
        List<Snapshot> all = snapshots.snapshots(repo, List.of(SnapshotTags.planTag(plan)));
        Set<String> bases = new HashSet<>();
        all.stream().filter(s -> s.paths().size() == 1 && s.paths().get(0).endsWith("/" + SnapshotTags.BASE_BACKUP_FILE))
                .forEach(s -> s.tag("run").ifPresent(bases::add));
        List<Snapshot> wal = all.stream().filter(s -> s.tags().contains(SnapshotTags.WAL)).toList();
        List<String> gone = new ArrayList<>();
        wal.stream().filter(s -> s.tag(SnapshotTags.CHAIN).map(c -> !bases.contains(c)).orElse(true))
                .forEach(s -> gone.add(s.id()));
        if (superseded) {
            Map<String, List<Snapshot>> byChain = wal.stream().filter(s -> !gone.contains(s.id()))
                    .collect(Collectors.groupingBy(s -> s.tag("target").orElse("") + "|" + s.tag(SnapshotTags.CHAIN).orElse("")));
            byChain.values().forEach(chain -> chain.stream().sorted(Comparator.comparing(Snapshot::time).reversed())
                    .skip(1).forEach(s -> gone.add(s.id())));
        }
        forget.forgetSnapshots(repo, gone);
        return gone.size();
    }
}
