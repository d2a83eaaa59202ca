package org.backrestsidecar.access;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The JSON body of every error the API returns: {@code {"status":404,"error":"..."}}. */
public record ApiError(int status, String error) {

    public static Response response(Response.Status status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ApiError(status.getStatusCode(), message)).build();
    }
}
