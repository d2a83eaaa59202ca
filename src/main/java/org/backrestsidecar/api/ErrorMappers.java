package org.backrestsidecar.api;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.NoSuchElementException;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.restore.RestoreRefused;
import org.backrestsidecar.restore.TargetBusy;
import org.backrestsidecar.run.PlanBusyException;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns what went wrong into a status code and a JSON body that says what. */
public class ErrorMappers {

    @ServerExceptionMapper
    public Response notFound(NoSuchElementException e) {
        return ApiError.response(Response.Status.NOT_FOUND, e.getMessage());
    }

    @ServerExceptionMapper
    public Response refused(RestoreRefused e) {
        return ApiError.response(Response.Status.BAD_REQUEST, e.getMessage());
    }

    @ServerExceptionMapper
    public Response busy(PlanBusyException e) {
        return ApiError.response(Response.Status.CONFLICT, e.getMessage());
    }

    @ServerExceptionMapper
    public Response restoring(TargetBusy e) {
        return ApiError.response(Response.Status.CONFLICT, e.getMessage());
    }

    @ServerExceptionMapper
    public Response restic(ResticException e) {
        return ApiError.response(Response.Status.BAD_GATEWAY, e.getMessage());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        Response.Status status = Response.Status.fromStatusCode(e.getResponse().getStatus());
        return ApiError.response(status == null ? Response.Status.INTERNAL_SERVER_ERROR : status, e.getMessage());
    }
}
