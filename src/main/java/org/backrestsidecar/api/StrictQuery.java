package org.backrestsidecar.api;

import org.backrestsidecar.access.ApiError;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Response;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every call reads its query as written, or refuses it: a parameter the call does not take, or a
 * boolean that is not {@code true} or {@code false} ({@code ?data=maybe} would otherwise be read as
 * false and check less than was asked), is a 400 that names it, before anything is touched. One rule
 * for every resource, from the parameters its method declares.
 */
public class StrictQuery {

    /** A call that passes its query on unread (to another node's sidecar, which reads it itself). */
    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(java.lang.annotation.ElementType.METHOD)
    public @interface PassesQueryOn {
    }

    @ServerRequestFilter
    public Response refuseWhatTheCallDoesNotTake(ContainerRequestContext request, ResourceInfo resource) {
        Method method = resource == null ? null : resource.getResourceMethod();
        if (method == null || method.isAnnotationPresent(PassesQueryOn.class)) {
            return null;
        }
        return why(declared(method), request.getUriInfo().getQueryParameters())
                .map(why -> ApiError.response(Response.Status.BAD_REQUEST, why)).orElse(null);
    }

    /** The query parameters a method takes, by name, with their Java type. */
    static Map<String, Class<?>> declared(Method method) {
        Map<String, Class<?>> takes = new TreeMap<>();
        for (Parameter p : method.getParameters()) {
            QueryParam q = p.getAnnotation(QueryParam.class);
            if (q != null) {
                takes.put(q.value(), p.getType());
            }
        }
        return takes;
    }

    /** Why a query is refused, or empty; pure, for the table of cases in its test. */
    static Optional<String> why(Map<String, Class<?>> takes, Map<String, ? extends java.util.List<String>> query) {
        for (var given : query.entrySet()) {
            Class<?> type = takes.get(given.getKey());
            if (type == null) {
                return Optional.of("unknown query parameter '" + given.getKey() + "'; this call takes "
                        + (takes.isEmpty() ? "none" : String.join(", ", takes.keySet())));
            }
            if (given.getValue().size() > 1) {
                return Optional.of("query parameter '" + given.getKey() + "' is given " + given.getValue().size()
                        + " times; give it once");
            }
            String value = given.getValue().isEmpty() ? "" : given.getValue().get(0);
            if ((type == boolean.class || type == Boolean.class) && !value.equals("true") && !value.equals("false")) {
                return Optional.of("query parameter '" + given.getKey() + "' must be true or false, not '" + value + "'");
            }
            if ((type == int.class || type == Integer.class) && !value.matches("-?\\d{1,9}")) {
                return Optional.of("query parameter '" + given.getKey() + "' must be a whole number, not '" + value + "'");
            }
        }
        return Optional.empty();
    }
}
