package banger.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.testsupport.InstantVmRuntime;
import banger.testsupport.LocalDaemon;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GET /metrics over the real API, fleet and SQLite journal, after lifecycle calls made through the API. */
class MetricsEndpointTest {

    private static final Path stateDir = tempDir();
    private static final ActorTestKit kit = ActorTestKit.create(LocalDaemon.config(stateDir,
            "banger.metrics.poll-interval = 100ms\nbanger.api.sse-keep-alive = 1s"));
    private static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static LocalDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        daemon = LocalDaemon.start(kit.system(), new InstantVmRuntime(name -> name.startsWith("doomed")));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            daemon.stop();
        } finally {
            kit.shutdownTestKit();
            try (Stream<Path> files = Files.walk(stateDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void lifecycleCallsShowUpAsOperationTimersBootTimesFailuresAndStateGauges() throws Exception {
        assertEquals(201, send("POST", "/v1/vms?wait=true", "{\"name\":\"web\"}").statusCode());
        for (String op : new String[] {"stop", "start", "restart", "kill"}) {
            assertEquals(200, send("POST", "/v1/vms/web/" + op + "?wait=true", null).statusCode(), op);
        }
        HttpResponse<String> doomed = send("POST", "/v1/vms?wait=true", "{\"name\":\"doomed\"}");
        assertEquals(502, doomed.statusCode(), doomed.body());
        assertEquals(201, send("POST", "/v1/vms?wait=true", "{\"name\":\"idle\",\"start\":false}").statusCode());
        assertEquals(404, send("POST", "/v1/vms/nosuch/start", null).statusCode());
        assertEquals(200, send("DELETE", "/v1/vms/web?wait=true", null).statusCode());

        PrometheusText m = scrapeUntil(t -> t.value("banger_vms", Map.of("state", "failed")).orElse(0.0) == 1.0
                && t.value("banger_vms", Map.of("state", "created")).orElse(0.0) == 1.0
                && t.value("banger_vm_boot_seconds_count").orElse(0.0) == 3.0
                && t.value("banger_vm_start_failures_total").orElse(0.0) == 1.0);

        assertEquals(2.0, operations(m, "create", "ok"), "web and idle");
        assertEquals(1.0, operations(m, "create", "operation_failed"), "doomed");
        for (String op : new String[] {"stop", "start", "restart", "kill", "delete"}) {
            assertEquals(1.0, operations(m, op, "ok"), op);
        }
        assertEquals(1.0, operations(m, "start", "not_found"));
        assertTrue(m.value("banger_vm_operation_seconds_bucket", Map.of("operation", "create", "outcome", "ok",
                "le", "+Inf")).isPresent(), "percentile histogram buckets");
        // boots: web created with start, started after its stop, restarted; doomed never booted
        assertEquals(3.0, m.value("banger_vm_events_total", Map.of("type", "Started")).orElseThrow());
        assertEquals(1.0, m.value("banger_vm_events_total", Map.of("type", "StartFailed")).orElseThrow());
        assertEquals(1.0, m.value("banger_vms", Map.of("state", "created")).orElseThrow(), "idle");
        assertEquals(0.0, m.value("banger_vms", Map.of("state", "running")).orElseThrow(), "web is deleted");
        assertEquals(0.0, m.value("banger_api_event_subscribers").orElseThrow());
    }

    @Test
    void eventStreamSubscribersAreCountedWhileConnected() throws Exception {
        HttpRequest events = authorized("/v1/events").GET().build();
        HttpResponse<InputStream> stream = client.send(events, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = stream.body()) {
            assertEquals(200, stream.statusCode());
            scrapeUntil(t -> t.value("banger_api_event_subscribers").orElse(0.0) == 1.0);
        }
        scrapeUntil(t -> t.value("banger_api_event_subscribers").orElse(-1.0) == 0.0);
    }

    @Test
    void metricsNeedTheTokenAndArePrometheusText() throws Exception {
        HttpResponse<String> anonymous = client.send(HttpRequest.newBuilder(daemon.base.resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, anonymous.statusCode());

        HttpResponse<String> scraped = send("GET", "/metrics", null);
        assertEquals(200, scraped.statusCode());
        assertEquals(Optional.of("text/plain; version=0.0.4; charset=UTF-8"),
                scraped.headers().firstValue("Content-Type"));
        assertTrue(PrometheusText.parse(scraped.body()).has("banger_vms"));
    }

    private static double operations(PrometheusText m, String operation, String outcome) {
        return m.value("banger_vm_operation_seconds_count", Map.of("operation", operation, "outcome", outcome))
                .orElseThrow(() -> new AssertionError("no " + operation + "/" + outcome + " timer"));
    }

    /** Scrapes until {@code ready} holds (gauges and the journal-fed meters lag by a poll), for up to 10 s. */
    private static PrometheusText scrapeUntil(Predicate<PrometheusText> ready) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            PrometheusText text = PrometheusText.parse(send("GET", "/metrics", null).body());
            if (ready.test(text)) {
                return text;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("metrics never got there; last scrape: " + text.samples().stream()
                        .filter(s -> s.name().startsWith("banger_") && !s.name().endsWith("_bucket")).toList());
            }
            Thread.sleep(100);
        }
    }

    private static HttpResponse<String> send(String method, String path, String json)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = authorized(path);
        if (json == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder authorized(String path) {
        return HttpRequest.newBuilder(daemon.base.resolve(path)).timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + daemon.token);
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("banger-metrics");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
