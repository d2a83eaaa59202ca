package org.backrestsidecar.restic;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.backrestsidecar.config.RepoConfig;

/** {@code restic check}: a repo's structure, and a share of its data read back. */
@ApplicationScoped
public class Check {
    private final ResticCommand restic;

    public Check(ResticCommand restic) {
        this.restic = restic;
    }

    /** As {@link #check(RepoConfig, Optional, java.util.OptionalInt)}, reading as fast as restic can. */
    public String check(RepoConfig repo, Optional<String> readDataSubset) throws ResticException {
        return check(repo, readDataSubset, java.util.OptionalInt.empty());
    }

    /**
     * {@code restic check}: the repo's structure, and with {@code readDataSubset} (e.g. {@code 10%})
     * that share of its data read back and verified against its hashes, at most {@code limitDownload}
     * KiB/s (an offsite copy's own limit).
     */
    public String check(RepoConfig repo, Optional<String> readDataSubset, java.util.OptionalInt limitDownload)
            throws ResticException {
        List<String> args = new ArrayList<>(List.of("check"));
        readDataSubset.ifPresent(s -> args.add("--read-data-subset=" + s));
        limitDownload.ifPresent(k -> args.addAll(List.of("--limit-download", String.valueOf(k))));
        return restic.run(repo, ResticCommand.LONG, args.toArray(String[]::new));
    }
}
