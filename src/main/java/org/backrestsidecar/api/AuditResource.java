package org.backrestsidecar.api;

import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.backrestsidecar.access.AuditLog;

/** {@code GET /api/audit?since=2026-11-21T00:00:00Z&limit=100}: oldest first, the newest {@code limit}. */
@Path("/api/audit")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {
    private final AuditLog audit;

    public AuditResource(AuditLog audit) {
        this.audit = audit;
    }

    @GET
    public List<AuditLog.Entry> read(@QueryParam("since") String since, @QueryParam("limit") @DefaultValue("100") int limit)
            throws IOException {
        Instant from = null;
        if (since != null && !since.isBlank()) {
            try {
                from = Instant.parse(since);
            } catch (DateTimeParseException e) {
                throw new jakarta.ws.rs.BadRequestException("since '" + since + "' is not an instant like 2026-11-21T00:00:00Z");
            }
        }
        if (limit < 1 || limit > 10_000) {
            throw new jakarta.ws.rs.BadRequestException("limit " + limit + " must be 1 to 10000");
        }
        return audit.read(from, limit);
    }
}
