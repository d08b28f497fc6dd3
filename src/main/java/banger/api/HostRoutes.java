package banger.api;

import static banger.api.Endpoint.authed;
import static banger.api.Endpoint.open;

import banger.core.Rejection;
import banger.doctor.DoctorService;
import banger.metrics.BangerMetrics;
import banger.vm.VmControl;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;

/** The daemon itself: health and readiness probes, the doctor's checks, Prometheus metrics, the OpenAPI document. */
final class HostRoutes extends ResourceRoutes {

    private static final ContentType PROMETHEUS_TEXT = ContentTypes.parse(BangerMetrics.CONTENT_TYPE);

    private final VmControl fleet;
    private final DoctorService doctor;
    private final BangerMetrics metrics;
    private final byte[] openApiDocument;

    /** @param fleet only asked for a list, to tell whether the daemon is ready */
    HostRoutes(ApiContext context, VmControl fleet, DoctorService doctor, BangerMetrics metrics) {
        super(context);
        this.fleet = fleet;
        this.doctor = doctor;
        this.metrics = metrics;
        this.openApiDocument = loadOpenApi();
    }

    @Override
    List<Endpoint> endpoints() {
        return List.of(
                open("GET", "/healthz", p -> complete(json(200, Map.of("status", "ok")))),
                open("GET", "/readyz", p -> readyz()),
                authed("GET", "/metrics", p -> metrics()),
                authed("GET", "/v1/openapi.json", p -> complete(HttpResponse.create()
                        .withEntity(ContentTypes.APPLICATION_JSON, openApiDocument))),
                authed("GET", "/v1/doctor", p -> ok(doctor.checks().thenApply(c -> Map.of("checks", c)))));
    }

    /** Ready when the fleet answers a list within the ready timeout. */
    private Route readyz() {
        CompletionStage<HttpResponse> answer = fleet.list().toCompletableFuture()
                .orTimeout(context.settings().readyTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((vms, failure) -> failure == null
                        ? json(200, Map.of("status", "ready"))
                        : context.errors().response(Rejection.Reason.UNAVAILABLE, "the daemon is not ready"));
        return completeWithFuture(answer);
    }

    /** Prometheus text; rendering every histogram is work enough to keep it off the server's threads. */
    private Route metrics() {
        return completeWithFuture(CompletableFuture.supplyAsync(metrics::scrape, context.blocking()).thenApply(text ->
                HttpResponse.create().withEntity(PROMETHEUS_TEXT, text.getBytes(StandardCharsets.UTF_8))));
    }

    private static byte[] loadOpenApi() {
        try (InputStream in = HostRoutes.class.getResourceAsStream("/openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read openapi.json", e);
        }
    }
}
