package org.backrestsidecar.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One restic repository. Its key lives only in {@code keyFile}: the sidecar hands restic the file's
 * path, never the key itself. {@code env} carries backend settings (S3 region, sftp command...),
 * {@code envFiles} the secret ones read from files at each start of restic (S3 keys...), so they are
 * never in the YAML, a command line or a log. {@code options} are restic's extended options
 * ({@code -o sftp.command=...}, {@code -o s3.storage-class=...}). {@code copies} are where its
 * snapshots are copied.
 */
public record RepoConfig(String id, String uri, Path keyFile, Map<String, String> env, Map<String, Path> envFiles,
                         Map<String, String> options, List<CopyConfig> copies) {
    public RepoConfig {
        env = Map.copyOf(env);
        envFiles = Map.copyOf(envFiles);
        options = Map.copyOf(options);
        copies = List.copyOf(copies);
    }

    public RepoConfig(String id, String uri, Path keyFile, Map<String, String> env) {
        this(id, uri, keyFile, env, Map.of(), Map.of(), List.of());
    }

    /** A restic URI shown to people: credentials in it ({@code rest:https://user:pass@...}) are cut out. */
    public String shownUri() {
        return uri.replaceAll("//[^/@]*@", "//");
    }

    /** A repo in a folder of this file system (a path), not behind a backend (sftp:, s3:, rest:...). */
    public boolean local() {
        return uri.startsWith("/");
    }
}
