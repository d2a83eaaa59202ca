package org.backrestsidecar.config;

import java.nio.file.Path;
import java.util.Optional;

/** How the sidecar reaches Backrest's API to keep its repos and plans there; absent means no sync. */
public record BackrestConnection(String url, Optional<String> username, Optional<Path> passwordFile) {
}
