package banger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.metrics.AdmissionGauges;
import banger.testsupport.GatedVmRuntime;
import banger.testsupport.LocalDaemon;
import banger.vm.admission.BootAdmission;
import banger.vm.admission.QueuedVmControl;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With one boot at a time, boots waiting for their slot show as {@code starting} with their place in line in
 * {@code GET /v1/vms/{ref}}, {@code GET /v1/vms}, {@code vm show} and {@code vm ls}, moving up as boots finish;
 * /metrics has the queue and the wait histogram. Real control plane (API, operations, fleet, SQLite); the VMM
 * is a stand-in whose boots finish when the test says so.
 */
class BootQueuePositionTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final GatedVmRuntime runtime = new GatedVmRuntime();
    private final BootAdmission admission = new BootAdmission(1);
    private ActorTestKit kit;
    private LocalDaemon daemon;
    @TempDir
    Path temp;

    @BeforeEach
    void start() throws Exception {
        kit = ActorTestKit.create(LocalDaemon.config(Files.createTempDirectory("banger-queue"), ""));
        daemon = LocalDaemon.start(kit.system(), admission.admit(runtime), (operations, vms, metrics) -> operations,
                (vms, metrics) -> new QueuedVmControl(vms, admission));
        AdmissionGauges.register(admission, daemon.metrics.registry());
    }

    @AfterEach
    void stop() throws Exception {
        daemon.stop();
        kit.shutdownTestKit();
    }

    @Test
    void waitingBootsShowTheirPlaceInLineAndMoveUpAsBootsFinish() throws Exception {
        List<String> names = List.of("q1", "q2", "q3", "q4");
        for (String name : names) {
            HttpResponse<String> created = send("POST", "/v1/vms", Map.of("name", name, "start", true));
            assertEquals(202, created.statusCode(), created.body());
            // one at a time, so the order in which they ask to boot is the order of creation
            int asked = names.indexOf(name) + 1;
            await(name + " asks to boot", () -> admission.queued() + runtime.started.size() >= asked);
        }
        assertEquals(List.of("q1"), runtime.started);
        assertPositions(Map.of("q1", 0, "q2", 1, "q3", 2, "q4", 3));

        String metrics = send("GET", "/metrics", null).body();
        assertTrue(metrics.contains("banger_boots_queued 3.0"), metrics);
        assertTrue(metrics.contains("banger_boots_running 1.0"), metrics);

        CliRunner cli = new CliRunner(daemon.base, temp);
        cli.env.put("BANGER_TOKEN", daemon.token);
        CliRunner.Result show = cli.run("vm", "show", "q3");
        assertEquals(0, show.exit(), show.err());
        assertTrue(show.out().contains("starting (queued #2)"), show.out());
        CliRunner.Result list = cli.run("vm", "ls");
        assertEquals(0, list.exit(), list.err());
        assertTrue(lineOf(list.out(), "q4").contains("starting (queued #3)"), list.out());
        assertTrue(!lineOf(list.out(), "q1").contains("queued"), list.out());

        runtime.finish("q1");
        await("q2 boots", () -> runtime.started.contains("q2"));
        assertPositions(Map.of("q2", 0, "q3", 1, "q4", 2));
        runtime.finish("q2");
        runtime.finish("q3");
        runtime.finish("q4");
        for (String name : names) {
            await(name + " running", () -> "running".equals(vm(name).path("state").asText()));
        }
        assertEquals(names, runtime.started);
        assertPositions(Map.of("q1", 0, "q2", 0, "q3", 0, "q4", 0));
        String after = send("GET", "/metrics", null).body();
        assertTrue(after.contains("banger_boots_queued 0.0"), after);
        assertTrue(after.contains("banger_boots_admission_wait_seconds_count 4"), after);
        assertTrue(after.contains("banger_boots_admission_wait_seconds_bucket{le=\"+Inf\"} 4"), after);
    }

    /** Position 0: not waiting, so no queue_position (null in JSON). Checked by get and by list. */
    private void assertPositions(Map<String, Integer> expected) throws Exception {
        JsonNode listed = JSON.readTree(send("GET", "/v1/vms", null).body()).path("vms");
        Map<String, JsonNode> byName = new HashMap<>();
        listed.forEach(vm -> byName.put(vm.path("name").asText(), vm));
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            for (JsonNode vm : List.of(vm(e.getKey()), byName.get(e.getKey()))) {
                if (e.getValue() == 0) {
                    assertTrue(vm.path("queue_position").isNull(), vm.toString());
                } else {
                    assertEquals("starting", vm.path("state").asText(), vm.toString());
                    assertEquals(e.getValue().intValue(), vm.path("queue_position").asInt(), vm.toString());
                }
            }
        }
    }

    private static String lineOf(String table, String name) {
        return table.lines().filter(l -> l.startsWith(name + " ")).findFirst().orElse("(no line for " + name + ")");
    }

    private JsonNode vm(String name) {
        try {
            return JSON.readTree(send("GET", "/v1/vms/" + name, null).body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    private HttpResponse<String> send(String method, String path, Object body) throws Exception {
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
