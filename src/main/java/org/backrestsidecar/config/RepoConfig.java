package org.backrestsidecar.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * One restic repository. Its key lives only in {@code keyFile}: the sidecar hands restic the file's
 * path, never the key itself. {@code env} carries backend credentials (S3, sftp...).
 */
public record RepoConfig(String id, String uri, Path keyFile, Map<String, String> env) {
    public RepoConfig {
        env = Map.copyOf(env);
    }
}
