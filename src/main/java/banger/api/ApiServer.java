package banger.api;

import banger.core.Rejection;
import banger.vm.VmControl;
import com.typesafe.config.Config;
import java.time.Clock;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The HTTP/JSON API (contract: API.md, openapi.json): the route classes of every resource composed into one
 * router, with what applies to all of them: the bearer token, the in-flight limit for changing requests, the
 * request timeout answer and the one JSON error handler ({@link ApiErrors}) for failures and pekko-http's own
 * rejections. The route table is the union of the route classes' {@link Endpoint}s; the OpenAPI test checks the
 * document against {@link #routes()}.
 */
public final class ApiServer extends AllDirectives {

    private final ActorSystem<?> system;
    private final ApiToken token;
    private final ApiErrors errors;
    private final InFlightLimit mutations;
    private final List<Endpoint> endpoints;
    private final ConsoleRoutes console;
    private final VmControl vms;
    private final Route route;

    public ApiServer(ActorSystem<?> system, ApiServices services, ApiToken token, ApiSettings settings) {
        this.system = system;
        this.token = token;
        this.vms = services.vms();
        this.errors = new ApiErrors(ApiJson.mapper(system));
        this.mutations = new InFlightLimit(settings.maxInflightChanges());
        ApiContext context = new ApiContext(system, settings, ApiJson.mapper(system), errors,
                system.dispatchers().lookup(DispatcherSelector.fromConfig("banger.blocking-dispatcher")));
        this.console = new ConsoleRoutes(context, token, ConsoleSessions.fromSettings(settings, Clock.systemUTC()));
        this.endpoints = Stream.concat(resources(context, services).stream(), Stream.of(console))
                .flatMap(r -> r.endpoints().stream()).toList();
        Set<ApiRoute> seen = new HashSet<>();
        endpoints.forEach(e -> {
            if (!seen.add(e.route())) {
                throw new IllegalStateException("two route classes serve " + e.route());
            }
        });
        this.route = build();
    }

    /** The server with its settings read from the daemon's whole config. */
    public ApiServer(ActorSystem<?> system, ApiServices services, ApiToken token, Config config) {
        this(system, services, token, ApiSettings.fromConfig(config));
    }

    /**
     * Every resource's route class. A new resource is one line here; where two templates could match the same
     * path (a literal segment and a parameter), the earlier entry wins.
     */
    private static List<ResourceRoutes> resources(ApiContext context, ApiServices services) {
        return List.of(
                new HostRoutes(context, services.vms(), services.doctor(), services.metrics()),
                new VmRoutes(context, services.vms(), services.operations(), services.guestExec()),
                new ImageRoutes(context, services.vms(), services.imageOperations()),
                new EventRoutes(context, services.events(), services.metrics().registry()),
                new OperationRoutes(context, services.operations()),
                new GuestIoRoutes(context, services.guestIo()),
                new SessionResourceRoutes(context, services.sessions()),
                new ForwardRoutes(context, services.forwards()),
                new VmPauseRoutes(context, services.vms()));
    }

    /** Every (method, path template) this server serves. */
    public List<ApiRoute> routes() {
        return endpoints.stream().map(Endpoint::route)
                .sorted(Comparator.comparing(ApiRoute::template).thenComparing(ApiRoute::method)).toList();
    }

    /** The whole API as one route; a malformed template in any route class fails the constructor, not a request. */
    public Route route() {
        return route;
    }

    private Route build() {
        Route open = concat(endpoints.stream().filter(e -> !e.needsToken()).map(this::endpointRoute).toList());
        Route guarded = concat(endpoints.stream().filter(Endpoint::needsToken).map(this::endpointRoute).toList());
        return withRequestTimeoutResponse(
                request -> errors.response(Rejection.Reason.UNAVAILABLE,
                        "the request took too long; try again"),
                () -> handleRejections(errors.rejectionHandler(), () -> handleExceptions(errors.exceptionHandler(),
                        () -> concat(open, console.pageRoute(), authenticated(() -> guarded)))));
    }

    public CompletionStage<ServerBinding> bind(String host, int port) {
        return Http.get(system).newServerAt(host, port).bind(route());
    }

    private Route concat(List<Route> routes) {
        if (routes.isEmpty()) {
            return reject();
        }
        return concat(routes.get(0), routes.subList(1, routes.size()).toArray(Route[]::new));
    }

    /** One table row: its path template, its method, and the in-flight limit if it changes something. */
    private Route endpointRoute(Endpoint endpoint) {
        HttpMethod method = HttpMethods.lookup(endpoint.route().method())
                .orElseThrow(() -> new IllegalStateException("unknown method in " + endpoint.route()));
        PathTemplate template = PathTemplate.parse(endpoint.route().template());
        boolean activity = VmActivity.counts(endpoint.route());
        return template.route(params -> method(method, () -> {
            if (activity) {
                vms.touch(params.get("ref"));
            }
            return bounded(endpoint.mutates(), () -> endpoint.handler().apply(params));
        }));
    }

    /** Requests that change something count against the in-flight limit; past it they get 429. */
    private Route bounded(boolean mutates, Supplier<Route> inner) {
        if (!mutates) {
            return inner.get();
        }
        if (!mutations.tryAcquire()) {
            return complete(errors.response(Rejection.Reason.TOO_MANY_REQUESTS, "more than "
                    + mutations.max() + " changing requests are in flight; retry shortly")
                    .addHeader(RetryAfter.create(1L)));
        }
        return mapRouteResultFuture(result -> result.whenComplete((r, e) -> mutations.release()), inner);
    }

    /**
     * Lets the request through only with the right bearer token, or, without an Authorization header, with the
     * console's session cookie (and its CSRF token on changes); otherwise 401 and nothing else happens.
     */
    private Route authenticated(Supplier<Route> inner) {
        return optionalHeaderValueByName("Authorization", header -> header.isEmpty()
                ? console.authenticated(inner, () -> unauthorized(header))
                : bearer(header, inner));
    }

    private Route bearer(Optional<String> header, Supplier<Route> inner) {
        Optional<String> presented = header
                .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(h -> h.substring(7).strip());
        return presented.isPresent() && token.matches(presented.get()) ? inner.get() : unauthorized(header);
    }

    private Route unauthorized(Optional<String> header) {
        String message = header.isEmpty()
                ? "missing Authorization: Bearer <token> (the token is in <state-dir>/api.token)"
                : "invalid bearer token";
        return complete(errors.response(ApiErrorCode.UNAUTHORIZED, message)
                .addHeader(WWWAuthenticate.create(HttpChallenge.create("Bearer", "banger"))));
    }
}
