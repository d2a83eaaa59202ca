package org.backrestsidecar.restic;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import org.backrestsidecar.config.RepoConfig;

/** {@code restic copy}: snapshots from one repo into another (a primary to its copy, or back). */
@ApplicationScoped
public class Copy {
    private final ResticCommand restic;

    public Copy(ResticCommand restic) {
        this.restic = restic;
    }

    /**
     * Copies every snapshot of {@code from} that {@code to} does not hold yet: restic skips what is
     * there, and an interrupted copy's uploaded data is reused by the next one. A primary to its copy,
     * or, in a recovery, a copy back to its primary.
     *
     * @param limits    restic's {@code --limit-upload}/{@code --limit-download} flags, if any
     * @param snapshots only these snapshot ids; empty: every snapshot
     */
    public String copy(RepoConfig from, RepoConfig to, List<String> limits, List<String> snapshots)
            throws ResticException {
        List<String> args = new ArrayList<>(List.of("copy", "--from-repo", from.uri(), "--from-password-file",
                from.keyFile().toString()));
        args.addAll(limits);
        args.addAll(snapshots);
        return restic.run(to, from, ResticCommand.LONG, args.toArray(String[]::new));
    }
}
