package banger.api;

import banger.operation.OperationControl;
import banger.operation.OperationView;
import banger.metrics.BangerMetrics;
import banger.vm.CreateVmRequest;
import banger.vm.PatchVmRequest;
import banger.vm.RequestRejected;
import banger.vm.VmControl;
import banger.vm.VmView;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import io.micrometer.core.instrument.Gauge;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.CacheControl;
import org.apache.pekko.http.javadsl.model.headers.CacheDirectives;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatcher1;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.FileIO;

/**
 * The HTTP/JSON API (contract: API.md) over {@link VmControl}. Every route is in {@link #ENDPOINTS}: the router
 * is built from that table and the OpenAPI test checks the document against it. All failures, including
 * pekko-http's own rejections, answer with the JSON error shape.
 */
public final class HttpApi extends AllDirectives {

    private record Endpoint(ApiRoute route, boolean needsToken, BiFunction<HttpApi, String, Route> handler) {
    }

    private static Endpoint open(String method, String template, BiFunction<HttpApi, String, Route> handler) {
        return new Endpoint(new ApiRoute(method, template), false, handler);
    }

    private static Endpoint authed(String method, String template, BiFunction<HttpApi, String, Route> handler) {
        return new Endpoint(new ApiRoute(method, template), true, handler);
    }

    private static final List<Endpoint> ENDPOINTS = List.of(
            open("GET", "/healthz", (api, ref) -> api.healthz()),
            open("GET", "/readyz", (api, ref) -> api.readyz()),
            authed("GET", "/metrics", (api, ref) -> api.metrics()),
            authed("GET", "/v1/openapi.json", (api, ref) -> api.openApi()),
            authed("POST", "/v1/vms", (api, ref) -> api.createVm()),
            authed("GET", "/v1/vms", (api, ref) -> api.listVms()),
            authed("GET", "/v1/vms/{ref}", (api, ref) -> api.vm(api.control.get(ref))),
            authed("PATCH", "/v1/vms/{ref}", HttpApi::patchVm),
            authed("DELETE", "/v1/vms/{ref}", (api, ref) -> api.lifecycle(1, () -> api.control.delete(ref))),
            authed("POST", "/v1/vms/{ref}/start", (api, ref) -> api.lifecycle(1, () -> api.control.start(ref))),
            authed("POST", "/v1/vms/{ref}/stop", (api, ref) -> api.lifecycle(1, () -> api.control.stop(ref))),
            authed("POST", "/v1/vms/{ref}/restart", (api, ref) -> api.lifecycle(2, () -> api.control.restart(ref))),
            authed("POST", "/v1/vms/{ref}/kill", (api, ref) -> api.lifecycle(1, () -> api.control.kill(ref))),
            authed("GET", "/v1/vms/{ref}/console", HttpApi::console),
            authed("GET", "/v1/vms/{ref}/history", (api, ref) ->
                    api.ok(api.control.history(ref).thenApply(h -> Map.of("events", h)))),
            authed("POST", "/v1/vms/{ref}/exec", HttpApi::exec),
            authed("GET", "/v1/images", (api, ref) ->
                    api.ok(api.control.images().thenApply(i -> Map.of("images", i)))),
            authed("POST", "/v1/images/bootstrap", (api, ref) -> api.bootstrapImage()),
            authed("GET", "/v1/events", (api, ref) -> api.events()),
            authed("GET", "/v1/doctor", (api, ref) ->
                    api.ok(api.doctor.checks().thenApply(c -> Map.of("checks", c)))),
            authed("GET", "/v1/operations", (api, ref) ->
                    api.ok(api.operations.list().thenApply(o -> Map.of("operations", o)))),
            authed("GET", "/v1/operations/{id}", (api, id) -> api.ok(api.operations.get(id))),
            authed("DELETE", "/v1/operations/{id}", (api, id) -> api.ok(api.operations.cancel(id))));

    /** Every (method, path template) the API serves. */
    public static final List<ApiRoute> ROUTES = ENDPOINTS.stream().map(Endpoint::route).toList();

    /** A path template's one parameter: {ref} for VMs, {id} for operations. */
    private static final Pattern PARAM = Pattern.compile("\\{[a-z_]+}");
    private static final ContentType EVENT_STREAM = MediaTypes.TEXT_EVENT_STREAM.toContentType();
    private static final ContentType PROMETHEUS_TEXT = ContentTypes.parse(BangerMetrics.CONTENT_TYPE);
    private static final Set<String> VM_STATES =
            Set.of("created", "starting", "running", "stopping", "stopped", "failed", "deleted");

    private final ActorSystem<?> system;
    private final VmControl control;
    private final OperationControl operations;
    private final InFlightLimit mutations;
    private final ApiToken token;
    private final GuestExec guestExec;
    private final DoctorService doctor;
    private final BangerMetrics metrics;
    private final Executor blocking;
    private final ObjectMapper mapper;
    private final ApiErrors errors;
    private final RequestValidation validation;
    private final EventStream eventStream;
    private final ConsoleFollower consoleTail;
    private final byte[] openApiDocument;
    private final long maxBodyBytes;
    private final Duration bootstrapTimeout;
    private final Duration execDefaultTimeout;
    private final Duration readyTimeout;
    private final Duration bodyReadTimeout;
    private final Duration createWaitTimeout;

    /**
     * @param metrics served at GET /metrics; the API adds its event-stream subscriber gauge to it
     * @param config  the daemon's whole config; reads {@code banger.api.*} and {@code banger.limits.*}
     */
    public HttpApi(ActorSystem<?> system, VmControl control, OperationControl operations, ApiToken token,
                   GuestExec guestExec, EventFeed events, DoctorService doctor, BangerMetrics metrics, Config config) {
        this.system = system;
        this.control = control;
        this.operations = operations;
        this.token = token;
        this.guestExec = guestExec;
        this.doctor = doctor;
        this.metrics = metrics;
        this.mapper = ApiJson.mapper(system);
        this.errors = new ApiErrors(mapper);
        this.validation = new RequestValidation(config);
        this.maxBodyBytes = config.getBytes("banger.api.max-body-bytes");
        this.bootstrapTimeout = config.getDuration("banger.api.bootstrap-timeout");
        this.execDefaultTimeout = config.getDuration("banger.api.exec-default-timeout");
        this.readyTimeout = config.getDuration("banger.api.ready-timeout");
        this.bodyReadTimeout = config.getDuration("banger.api.body-read-timeout");
        this.createWaitTimeout = config.getDuration("banger.timeouts.boot")
                .plus(config.getDuration("banger.timeouts.shutdown-grace"))
                .plus(config.getDuration("banger.timeouts.ask").multipliedBy(2));
        this.eventStream = new EventStream(events, mapper, config.getInt("banger.api.sse-buffer"),
                config.getDuration("banger.api.sse-keep-alive"));
        Gauge.builder("banger.api.event.subscribers", eventStream, EventStream::subscribers)
                .description("Clients of GET /v1/events now").strongReference(true).register(metrics.registry());
        this.blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig("banger.blocking-dispatcher"));
        this.consoleTail = new ConsoleFollower(system, blocking, config.getDuration("banger.api.console-poll-interval"));
        this.openApiDocument = loadOpenApi();
        this.mutations = new InFlightLimit(config.getInt("banger.api.max-inflight-changes"));
    }

    public Route routes() {
        Route open = concat(endpointRoutes(false));
        Route guarded = concat(endpointRoutes(true));
        return withRequestTimeoutResponse(
                request -> errors.response(503, "unavailable", "the request took too long; try again"),
                () -> handleRejections(errors.rejectionHandler(), () -> handleExceptions(errors.exceptionHandler(),
                        () -> concat(open, authenticated(() -> guarded)))));
    }

    public CompletionStage<ServerBinding> bind(String host, int port) {
        return Http.get(system).newServerAt(host, port).bind(routes());
    }

    private Route concat(List<Route> routes) {
        return concat(routes.get(0), routes.subList(1, routes.size()).toArray(Route[]::new));
    }

    private List<Route> endpointRoutes(boolean needsToken) {
        return ENDPOINTS.stream().filter(e -> e.needsToken() == needsToken).map(this::route).toList();
    }

    /** The directive for one table entry: its path template (at most one parameter) and method. */
    private Route route(Endpoint endpoint) {
        String template = endpoint.route().template().substring(1);
        HttpMethod method = HttpMethods.lookup(endpoint.route().method())
                .orElseThrow(() -> new IllegalStateException("unknown method in " + endpoint.route()));
        Matcher param = PARAM.matcher(template);
        boolean mutates = !method.equals(HttpMethods.GET);
        if (!param.find()) {
            return path(PathMatchers.separateOnSlashes(template),
                    () -> method(method, () -> bounded(mutates, () -> endpoint.handler().apply(this, null))));
        }
        String before = template.substring(0, param.start());
        String after = template.substring(param.end());
        if (!before.endsWith("/") || after.contains("{") || !(after.isEmpty() || after.startsWith("/"))) {
            throw new IllegalStateException("unsupported path template " + endpoint.route());
        }
        PathMatcher1<String> matcher = PathMatchers.separateOnSlashes(before.substring(0, before.length() - 1))
                .slash(PathMatchers.segment());
        if (!after.isEmpty()) {
            matcher = matcher.slash(PathMatchers.separateOnSlashes(after.substring(1)));
        }
        return path(matcher, ref -> method(method, () -> bounded(mutates, () -> endpoint.handler().apply(this, ref))));
    }

    /** Requests that change something count against the in-flight limit; past it they get 429. */
    private Route bounded(boolean mutates, Supplier<Route> inner) {
        if (!mutates) {
            return inner.get();
        }
        if (!mutations.tryAcquire()) {
            return complete(errors.response(429, "too_many_requests", "more than " + mutations.max()
                    + " changing requests are in flight; retry shortly").addHeader(RetryAfter.create(1L)));
        }
        return mapRouteResultFuture(result -> result.whenComplete((r, e) -> mutations.release()), inner);
    }

    /** Lets the request through only with the right bearer token; otherwise 401 and nothing else happens. */
    private Route authenticated(Supplier<Route> inner) {
        return optionalHeaderValueByName("Authorization", header -> {
            Optional<String> presented = header
                    .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
                    .map(h -> h.substring(7).strip());
            if (presented.isPresent() && token.matches(presented.get())) {
                return inner.get();
            }
            String message = header.isEmpty()
                    ? "missing Authorization: Bearer <token> (the token is in <state-dir>/api.token)"
                    : "invalid bearer token";
            return complete(errors.response(401, "unauthorized", message)
                    .addHeader(WWWAuthenticate.create(HttpChallenge.create("Bearer", "banger"))));
        });
    }

    /**
     * A lifecycle call answered once the VM got there: a boot under TCG, or a graceful stop, can outlast the
     * server's default request timeout, so these get the lifecycle's own ({@code transitions} of them).
     */
    private Route lifecycle(int transitions, Supplier<CompletionStage<VmView>> call) {
        return withRequestTimeout(createWaitTimeout.multipliedBy(transitions), () -> vm(call.get()));
    }

    // ---- handlers

    private Route healthz() {
        return complete(json(200, Map.of("status", "ok")));
    }

    /** Ready when the fleet answers a list within the ready timeout. */
    private Route readyz() {
        CompletionStage<HttpResponse> answer = control.list().toCompletableFuture()
                .orTimeout(readyTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((vms, failure) -> failure == null
                        ? json(200, Map.of("status", "ready"))
                        : errors.response(503, "unavailable", "the daemon is not ready"));
        return completeWithFuture(answer);
    }

    /** Prometheus text; rendering every histogram is work enough to keep it off the server's threads. */
    private Route metrics() {
        return completeWithFuture(CompletableFuture.supplyAsync(metrics::scrape, blocking).thenApply(text ->
                HttpResponse.create().withEntity(PROMETHEUS_TEXT, text.getBytes(StandardCharsets.UTF_8))));
    }

    private Route openApi() {
        return complete(HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, openApiDocument));
    }

    /**
     * 202 with the create's operation once the VM is registered (refusals answer at once, as errors); with
     * ?wait=true, 201 with the VM once it is created (and started). An Idempotency-Key finds the earlier
     * request's operation instead of creating a second VM.
     */
    private Route createVm() {
        return parameterOptional("wait", wait -> optionalHeaderValueByName("Idempotency-Key", key ->
                jsonBody(CreateVmRequest.class, request -> {
                    validation.create(request);
                    String idempotencyKey = key.map(validation::idempotencyKey).orElse(null);
                    CompletionStage<OperationView> accepted = operations.createVm(request, idempotencyKey);
                    if (flag("wait", wait)) {
                        // a boot may outlast the server's request timeout
                        return withRequestTimeout(createWaitTimeout, () -> respond(201, accepted
                                .thenCompose(op -> operations.awaitFinished(op.id())).thenCompose(this::createdVm)));
                    }
                    return completeWithFuture(accepted.thenApply(op -> json(202, op)
                            .addHeader(Location.create("/v1/operations/" + op.id()))));
                })));
    }

    private CompletionStage<VmView> createdVm(OperationView op) {
        return switch (op.state()) {
            case "succeeded" -> control.get(op.vmId());
            case "cancelled" -> CompletableFuture.failedFuture(new RequestRejected(RequestRejected.Reason.CONFLICT,
                    "the creation of VM " + op.vm() + " was cancelled (operation " + op.id() + ")"));
            default -> CompletableFuture.failedFuture(op.error().asRejection());
        };
    }

    private Route listVms() {
        return parameterOptional("state", state -> parameterList("label", labels -> {
            state.ifPresent(s -> {
                if (!VM_STATES.contains(s)) {
                    throw ApiProblem.invalidField("state", "must be one of " + String.join(", ",
                            VM_STATES.stream().sorted().toList()));
                }
            });
            Map<String, String> wanted = new HashMap<>();
            for (String label : labels) {
                int eq = label.indexOf('=');
                if (eq <= 0) {
                    throw ApiProblem.invalidField("label", "filter must be key=value, got \"" + label + "\"");
                }
                wanted.put(label.substring(0, eq), label.substring(eq + 1));
            }
            return ok(control.list().thenApply(vms -> Map.of("vms", vms.stream()
                    .filter(vm -> state.map(s -> s.equals(vm.state())).orElse(true))
                    .filter(vm -> hasLabels(vm, wanted))
                    .toList())));
        }));
    }

    private static boolean hasLabels(VmView vm, Map<String, String> wanted) {
        Map<String, String> labels = vm.labels() == null ? Map.of() : vm.labels();
        return wanted.entrySet().stream().allMatch(w -> w.getValue().equals(labels.get(w.getKey())));
    }

    private Route patchVm(String ref) {
        return jsonBody(PatchVmRequest.class, request -> {
            validation.patch(request);
            return vm(control.patch(ref, request));
        });
    }

    private Route console(String ref) {
        return parameterOptional("follow", follow -> {
            boolean following = flag("follow", follow);
            if (following) {
                return onSuccess(control.consoleLog(ref), file -> complete(HttpResponse.create().withEntity(
                        HttpEntities.createChunked(ContentTypes.TEXT_PLAIN_UTF8, consoleTail.follow(file)))));
            }
            CompletionStage<Optional<Path>> existing = control.consoleLog(ref).thenApplyAsync(
                    file -> Files.isRegularFile(file) ? Optional.of(file) : Optional.<Path>empty(), blocking);
            return onSuccess(existing, file -> file
                    .map(f -> complete(HttpResponse.create().withEntity(
                            HttpEntities.createChunked(ContentTypes.TEXT_PLAIN_UTF8, FileIO.fromPath(f)))))
                    .orElseGet(() -> complete(HttpResponse.create()
                            .withEntity(ContentTypes.TEXT_PLAIN_UTF8, new byte[0]))));
        });
    }

    private Route exec(String ref) {
        return jsonBody(ExecRequest.class, request -> {
            validation.exec(request);
            Duration timeout = request.timeoutS() == null ? execDefaultTimeout : Duration.ofSeconds(request.timeoutS());
            byte[] stdin = request.stdin() == null ? new byte[0] : request.stdin().getBytes(StandardCharsets.UTF_8);
            // the guest command may run as long as its timeout; the HTTP request must outlive it
            return withRequestTimeout(timeout.plusSeconds(10),
                    () -> ok(guestExec.exec(ref, request.argv(), stdin, timeout)));
        });
    }

    private Route bootstrapImage() {
        // building an image (debootstrap) takes minutes, far beyond the server's request timeout
        return withRequestTimeout(bootstrapTimeout, () -> jsonBody(BootstrapImageRequest.class, request -> {
            validation.bootstrap(request);
            return respond(201, control.bootstrapImage(request.preset(), request.name()));
        }));
    }

    private Route events() {
        return optionalHeaderValueByName("Last-Event-ID", lastEventId -> parameterOptional("after", after ->
                parameterOptional("vm", vm -> parameterList("type", typeParams -> {
                    long from = lastEventId.isPresent()
                            ? offset("Last-Event-ID", lastEventId.get())
                            : after.map(a -> offset("after", a)).orElse(0L);
                    Set<String> types = new LinkedHashSet<>();
                    typeParams.forEach(t -> Arrays.stream(t.split(",")).map(String::strip)
                            .filter(s -> !s.isEmpty()).forEach(types::add));
                    return complete(HttpResponse.create()
                            .addHeader(CacheControl.create(CacheDirectives.NO_CACHE))
                            .withEntity(HttpEntities.createChunked(EVENT_STREAM,
                                    eventStream.subscribe(from, vm.filter(v -> !v.isEmpty()), Set.copyOf(types)))));
                }))));
    }

    // ---- helpers

    private Route vm(CompletionStage<VmView> stage) {
        return ok(stage);
    }

    private Route ok(CompletionStage<?> stage) {
        return respond(200, stage);
    }

    private Route respond(int status, CompletionStage<?> stage) {
        return completeWithFuture(stage.thenApply(value -> json(status, value)));
    }

    private HttpResponse json(int status, Object body) {
        return HttpResponse.create().withStatus(status)
                .withEntity(ContentTypes.APPLICATION_JSON, ApiJson.write(mapper, body));
    }

    /** Reads a bounded JSON body strictly into {@code type}; 415 unless it is JSON, 413 past the size limit. */
    private <T> Route jsonBody(Class<T> type, Function<T, Route> inner) {
        return extractRequestEntity(entity -> {
            if (!entity.isKnownEmpty() && !entity.getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
                return complete(errors.response(415, "unsupported_media_type",
                        "the body must be application/json, not " + entity.getContentType().mediaType()));
            }
            return extractMaterializer(materializer -> onSuccess(
                    entity.withSizeLimit(maxBodyBytes).toStrict(bodyReadTimeout.toMillis(), materializer),
                    strict -> inner.apply(JsonBodies.parse(mapper, strict.getData(), type))));
        });
    }

    private static long offset(String name, String value) {
        try {
            long offset = Long.parseLong(value.strip());
            if (offset < 0) {
                throw ApiProblem.invalidField(name, "must be a non-negative event offset");
            }
            return offset;
        } catch (NumberFormatException e) {
            throw ApiProblem.invalidField(name, "must be an event offset (an integer), got \"" + value + "\"");
        }
    }

    private static boolean flag(String name, Optional<String> value) {
        return switch (value.orElse("false")) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw ApiProblem.invalidField(name, "must be true or false");
        };
    }

    private static byte[] loadOpenApi() {
        try (InputStream in = HttpApi.class.getResourceAsStream("/openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read openapi.json", e);
        }
    }
}
