package org.backrestsidecar.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.access.Caller;
import org.backrestsidecar.access.Needs;
import org.backrestsidecar.config.Role;
import org.backrestsidecar.notify.Notifier;

/** The channels (no secrets), how their deliveries went, and a test message to each. */
@Path("/api/notifications")
@Produces(MediaType.APPLICATION_JSON)
public class NotificationsResource {
    public record Overview(List<Notifier.ChannelView> channels, Map<String, Instant> openProblems) {
    }

    private final Notifier notifier;

    public NotificationsResource(Notifier notifier) {
        this.notifier = notifier;
    }

    @GET
    public Overview overview() {
        return new Overview(notifier.channels(), notifier.openProblems());
    }

    /** Sends now, to every channel, and answers each channel's outcome. */
    @POST
    @Path("test")
    @Needs(Role.ADMIN)
    public List<Notifier.TestOutcome> test(@Context ContainerRequestContext request) {
        return notifier.test(Callers.of(request).who());
    }
}
