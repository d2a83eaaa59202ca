package org.backrestsidecar.api;

import org.backrestsidecar.access.ApiError;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.NoSuchElementException;
import java.util.stream.Collectors;
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
    public Response unreadableRecord(org.backrestsidecar.recovery.RecoveryRecord.Unreadable e) {
        return ApiError.response(Response.Status.BAD_REQUEST, e.getMessage());
    }

    @ServerExceptionMapper
    public Response notScaled(org.backrestsidecar.docker.SwarmServices.Refused e) {
        return ApiError.response(Response.Status.BAD_REQUEST, e.getMessage());
    }

    /** The error, and the run under way by its id: a client waits for it rather than read the message. */
    public record PlanBusy(int status, String error, String running) {
    }

    @ServerExceptionMapper
    public Response busy(PlanBusyException e) {
        return Response.status(Response.Status.CONFLICT).type(jakarta.ws.rs.core.MediaType.APPLICATION_JSON_TYPE)
                .entity(new PlanBusy(Response.Status.CONFLICT.getStatusCode(), e.getMessage(), e.runningId())).build();
    }

    @ServerExceptionMapper
    public Response restoring(TargetBusy e) {
        return ApiError.response(Response.Status.CONFLICT, e.getMessage());
    }

    @ServerExceptionMapper
    public Response restic(ResticException e) {
        return ApiError.response(Response.Status.BAD_GATEWAY, e.getMessage());
    }

    /** A field the call does not take: named, with those it does. */
    @ServerExceptionMapper
    public Response unknownField(UnrecognizedPropertyException e) {
        String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream().map(String::valueOf)
                .sorted().collect(Collectors.joining(", "));
        return ApiError.response(Response.Status.BAD_REQUEST, "unknown field '" + where(e) + "' in the body"
                + (known.isEmpty() ? "" : "; this call takes: " + known));
    }

    /** A value of the wrong type, or a body that is not the object the call takes. */
    @ServerExceptionMapper
    public Response wrongType(MismatchedInputException e) {
        String field = where(e);
        String wanted = e.getTargetType() == null ? "another value" : BodyTypes.described(e.getTargetType());
        return ApiError.response(Response.Status.BAD_REQUEST, field.isEmpty()
                ? "the body must be one JSON object, the call's (docs/api.md): " + e.getOriginalMessage()
                : "field '" + field + "' must be " + wanted);
    }

    /** Not JSON at all, a key given twice, or something after the value. */
    @ServerExceptionMapper
    public Response notJson(JsonProcessingException e) {
        return ApiError.response(Response.Status.BAD_REQUEST, "the body is not one JSON value as the call takes it: "
                + e.getOriginalMessage());
    }

    private static String where(JsonMappingException e) {
        return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        // the JSON reader's own refusal, wrapped by the framework: said as the JSON mappers say it
        if (e.getCause() instanceof UnrecognizedPropertyException unknown) {
            return unknownField(unknown);
        }
        if (e.getCause() instanceof MismatchedInputException mismatched) {
            return wrongType(mismatched);
        }
        if (e.getCause() instanceof JsonProcessingException malformed) {
            return notJson(malformed);
        }
        Response.Status status = Response.Status.fromStatusCode(e.getResponse().getStatus());
        return ApiError.response(status == null ? Response.Status.INTERNAL_SERVER_ERROR : status, e.getMessage());
    }
}
