package banger.vm.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.metrics.AdmissionGauges;
import banger.testsupport.GatedVmRuntime;
import banger.testsupport.LocalDaemon;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Through the real control plane (API, operations, fleet, VM actors, SQLite): five VMs created at once boot
 * two at a time, in the order they were created, and the queue shows in /metrics. Boots are a stand-in
 * that finishes when the test says so.
 */
class BootAdmissionTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient http = HttpClient.newHttpClient();
    private static final GatedVmRuntime runtime = new GatedVmRuntime();
    private static final BootAdmission admission = new BootAdmission(2);
    private static ActorTestKit kit;
    private static LocalDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        kit = ActorTestKit.create(LocalDaemon.config(Files.createTempDirectory("banger-admission"), ""));
        daemon = LocalDaemon.start(kit.system(), admission.admit(runtime));
        AdmissionGauges.register(admission, daemon.metrics.registry());
    }

    @AfterAll
    static void stop() throws Exception {
        daemon.stop();
        kit.shutdownTestKit();
    }

    @BeforeEach
    void noBootLeftOver() {
        assertEquals(0, admission.booting() + admission.queued(), "the previous test left a boot behind");
        runtime.started.clear();
        runtime.maxConcurrent.set(0);
    }

    @Test
    void atMostTwoBootsRunAndTheRestWaitInOrder() throws Exception {
        List<String> names = List.of("b1", "b2", "b3", "b4", "b5");
        for (String name : names) {
            HttpResponse<String> created = send("POST", "/v1/vms", Map.of("name", name, "start", true));
            assertEquals(202, created.statusCode(), created.body());
            // one at a time, so the order in which they ask to boot is the order of creation
            await(name + " asks to boot", () -> admission.queued() + runtime.started.size() >= names.indexOf(name) + 1);
        }
        assertEquals(List.of("b1", "b2"), runtime.started);
        assertEquals(3, admission.queued());
        assertEquals(3, admission.positionOf(idOf("b5")));
        String metrics = send("GET", "/metrics", null).body();
        assertTrue(metrics.contains("banger_boots_queued 3.0"), metrics);
        assertTrue(metrics.contains("banger_boots_running 2.0"), metrics);
        assertEquals("starting", vm("b5").path("state").asText());

        for (int finished = 0; finished < names.size(); finished++) {
            runtime.finish(names.get(finished));
            int done = finished + 1;
            await("boot " + done + " finished", () -> admission.booting() + admission.queued() == names.size() - done);
            assertTrue(runtime.maxConcurrent.get() <= 2, "at most two boots at once, saw " + runtime.maxConcurrent.get());
        }
        assertEquals(names, runtime.started);
        for (String name : names) {
            await(name + " running", () -> "running".equals(vm(name).path("state").asText()));
        }
    }

    @Test
    void cancellingACreateWhoseBootWaitsTakesItOutOfTheLine() throws Exception {
        HttpResponse<String> first = send("POST", "/v1/vms", Map.of("name", "c1", "start", true));
        HttpResponse<String> second = send("POST", "/v1/vms", Map.of("name", "c2", "start", true));
        await("c1 and c2 boot", () -> runtime.started.containsAll(List.of("c1", "c2")));
        HttpResponse<String> waiting = send("POST", "/v1/vms", Map.of("name", "c3", "start", true));
        assertEquals(202, waiting.statusCode(), waiting.body());
        await("c3 waits", () -> admission.queued() == 1);
        String operation = JSON.readTree(waiting.body()).path("id").asText();

        HttpResponse<String> cancelled = send("DELETE", "/v1/operations/" + operation, null);

        assertEquals(200, cancelled.statusCode(), cancelled.body());
        assertEquals(0, admission.queued());
        assertEquals(404, send("GET", "/v1/vms/c3", null).statusCode());
        runtime.finish("c1");
        runtime.finish("c2");
        await("both boots done", () -> admission.booting() == 0);
        assertTrue(!runtime.started.contains("c3"), "c3 never booted");
        assertEquals(202, first.statusCode());
        assertEquals(202, second.statusCode());
    }

    private static JsonNode vm(String name) {
        try {
            return JSON.readTree(send("GET", "/v1/vms/" + name, null).body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String idOf(String name) {
        return vm(name).path("id").asText();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    private static HttpResponse<String> send(String method, String path, Object body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(daemon.base + path))
                .header("Authorization", "Bearer " + daemon.token).timeout(Duration.ofSeconds(30));
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
