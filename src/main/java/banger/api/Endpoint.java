package banger.api;

import java.util.function.Function;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * One row of the API's route table: a method, a path template with any number of whole-segment parameters
 * ({@code /v1/vms/{ref}/sessions/{sid}}), whether it needs the bearer token, and the handler, given the path
 * parameters. Route classes contribute these; {@link ApiServer} builds the router from all of them and applies
 * auth, the in-flight limit (every method but GET and HEAD) and the error handler around each.
 */
record Endpoint(ApiRoute route, boolean needsToken, Function<PathParams, Route> handler) {

    /** Served without a token (health probes, and routes that check another credential themselves). */
    static Endpoint open(String method, String template, Function<PathParams, Route> handler) {
        return new Endpoint(new ApiRoute(method, template), false, handler);
    }

    /** Served only with the bearer token. */
    static Endpoint authed(String method, String template, Function<PathParams, Route> handler) {
        return new Endpoint(new ApiRoute(method, template), true, handler);
    }

    /** Requests that may change something; they count against the in-flight limit. */
    boolean mutates() {
        return !route.method().equals("GET") && !route.method().equals("HEAD");
    }
}
