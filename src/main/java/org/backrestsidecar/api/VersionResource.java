package org.backrestsidecar.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Which backrest-sidecar answers: the version its jar was built as (pom.xml), the same the image's
 * label org.opencontainers.image.version carries. What a user checks before and after an upgrade
 * (docs/upgrading.md).
 */
@Path("/api/version")
@Produces(MediaType.APPLICATION_JSON)
public class VersionResource {
    public record Version(String version) {
    }

    private final String version;

    public VersionResource(@ConfigProperty(name = "quarkus.application.version") String version) {
        this.version = version;
    }

    @GET
    public Version get() {
        return new Version(version);
    }
}
