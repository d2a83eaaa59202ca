package org.backrestsidecar.api;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.nodes.AllNodes;

/**
 * What the HTTP server answers before a resource is reached: a body past {@link #MAX_BODY} is refused
 * with the API's JSON error (the server's own 413 has no body), and the operator's page is served
 * with a Content-Security-Policy that runs only the page's own script and style, nothing inline.
 * A call another node's sidecar forwarded here for a node of another name ({@link #FOR_NODE}) is
 * refused with 421 (nodes/AllNodes.forward): the address it used was this sidecar's node's no longer (a task started again
 * elsewhere on the overlay network takes a freed address), and the call must not act on the wrong node.
 */
@ApplicationScoped
public class HttpEdge {
    /** The API's bodies are a few hundred bytes; quarkus.http.limits.max-body-size matches it. */
    static final long MAX_BODY = 1024 * 1024;
    static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

    private static final String FOR_NODE = AllNodes.FOR_NODE;
    private final SidecarConfig config;

    public HttpEdge(SidecarConfig config) {
        this.config = config;
    }

    void routes(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            String path = ctx.request().path();
            String forNode = ctx.request().getHeader(FOR_NODE);
            if (path.startsWith("/api/") && forNode != null && !forNode.equals(config.instance())) {
                ctx.response().setStatusCode(AllNodes.MISDIRECTED).putHeader("Content-Type", "application/json")
                        .end(new JsonObject().put("status", AllNodes.MISDIRECTED).put("error", "this is node " + config.instance()
                                + "'s sidecar, not " + forNode + "'s: the address used is not that node's now").encode());
                return;
            }
            if (path.startsWith("/api/")) {
                String length = ctx.request().getHeader("Content-Length");
                if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > MAX_BODY) {
                    ctx.response().setStatusCode(413).putHeader("Content-Type", "application/json")
                            .putHeader("Connection", "close")
                            .end(new JsonObject().put("status", 413).put("error", "the body is " + length
                                    + " bytes; the API takes at most " + MAX_BODY + " (its bodies are a few hundred)").encode());
                    return;
                }
            } else if (!path.startsWith("/q/")) {
                ctx.addHeadersEndHandler(v -> ctx.response().putHeader("Content-Security-Policy", PAGE_POLICY));
            }
            ctx.next();
        });
    }
}
