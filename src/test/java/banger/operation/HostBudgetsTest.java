package banger.operation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.testsupport.InstantVmRuntime;
import banger.testsupport.LocalDaemon;
import banger.vm.VmDefaults;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Host budgets on the real control plane (API, operations, fleet, SQLite): 409 naming the budget. */
class HostBudgetsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private ActorTestKit kit;
    private LocalDaemon daemon;

    private void start(int maxVms, int maxVcpus, long maxMemoryMib) throws Exception {
        Path stateDir = Files.createTempDirectory("banger-budgets");
        kit = ActorTestKit.create(LocalDaemon.config(stateDir, ""));
        VmDefaults defaults = VmDefaults.fromConfig(kit.system().settings().config().getConfig("banger"));
        HostBudgets budgets = new HostBudgets(maxVms, maxVcpus, maxMemoryMib, 0, stateDir);
        HostQuota[] quota = new HostQuota[1];
        daemon = LocalDaemon.start(kit.system(), new InstantVmRuntime(name -> false), (operations, vms, metrics) -> {
            quota[0] = new HostQuota(vms, budgets, defaults, metrics.registry());
            return new QuotaOperationControl(operations, quota[0]);
        }, (vms, metrics) -> new QuotaVmControl(vms, quota[0]));
    }

    @AfterEach
    void stop() throws Exception {
        daemon.stop();
        kit.shutdownTestKit();
    }

    @Test
    void eachBudgetRefusesTheCreateThatWouldPassItWith409NamingIt() throws Exception {
        start(3, 4, 1024);
        assertEquals(201, create("a", 1, 256, 512).statusCode());
        assertEquals(201, create("b", 3, 256, 512).statusCode());
        assertRefused(create("c", 1, 256, 512), "vcpus");
        assertEquals(200, send("DELETE", "/v1/vms/b?wait=true", null).statusCode());
        assertRefused(create("c", 1, 900, 512), "memory_mib");
        assertRefused(create("c", 1, 256, 1_000_000), "disk_mib");
        assertEquals(201, create("c", 1, 256, 512).statusCode());
        assertEquals(201, create("d", 1, 256, 512).statusCode());
        assertRefused(create("e", 1, 128, 512), "vms");
        String metrics = send("GET", "/metrics", null).body();
        assertTrue(metrics.contains("banger_quota_refusals_total{budget=\"vcpus\"} 1.0"), metrics);
        assertTrue(metrics.contains("banger_quota_limit{budget=\"vms\"} 3.0"), metrics);
    }

    @Test
    void concurrentCreatesCannotBothTakeTheLastOfABudget() throws Exception {
        start(3, 100, 1 << 20);
        List<CompletableFuture<HttpResponse<String>>> creates = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            creates.add(http.sendAsync(request("POST", "/v1/vms?wait=true",
                    Map.of("name", "racer-" + i, "start", false)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        long created = creates.stream().map(CompletableFuture::join).filter(r -> r.statusCode() == 201).count();
        long refused = creates.stream().map(CompletableFuture::join).filter(r -> r.statusCode() == 409).count();
        assertEquals(3, created);
        assertEquals(7, refused);
    }

    @Test
    void aPatchThatGrowsAVmPastABudgetIsRefusedWith409NamingItAndShrinkingIsNot() throws Exception {
        start(10, 4, 1024);
        assertEquals(201, create("a", 1, 256, 512).statusCode());
        assertEquals(201, create("b", 2, 512, 512).statusCode());
        assertRefused(send("PATCH", "/v1/vms/a", Map.of("vcpus", 3)), "vcpus");
        assertRefused(send("PATCH", "/v1/vms/a", Map.of("memory_mib", 600)), "memory_mib");
        assertRefused(send("PATCH", "/v1/vms/a", Map.of("disk_mib", 1_000_000)), "disk_mib");
        JsonNode a = JSON.readTree(send("GET", "/v1/vms/a", null).body());
        assertEquals(1, a.path("vcpus").asInt(), a.toString());
        assertEquals(256, a.path("memory_mib").asInt(), a.toString());
        assertEquals(512, a.path("disk_mib").asInt(), a.toString());

        HttpResponse<String> fits = send("PATCH", "/v1/vms/a", Map.of("memory_mib", 512, "disk_mib", 1024));
        assertEquals(200, fits.statusCode(), fits.body());
        HttpResponse<String> labelsOnly = send("PATCH", "/v1/vms/a", Map.of("labels", Map.of("k", "v")));
        assertEquals(200, labelsOnly.statusCode(), labelsOnly.body());
        HttpResponse<String> shrink = send("PATCH", "/v1/vms/b", Map.of("vcpus", 1, "memory_mib", 256));
        assertEquals(200, shrink.statusCode(), shrink.body());
        HttpResponse<String> grown = send("PATCH", "/v1/vms/a", Map.of("vcpus", 3));
        assertEquals(200, grown.statusCode(), grown.body());
        assertRefused(create("c", 1, 128, 512), "vcpus");
        String metrics = send("GET", "/metrics", null).body();
        assertTrue(metrics.contains("banger_quota_refusals_total{budget=\"disk_mib\"} 1.0"), metrics);
    }

    private void assertRefused(HttpResponse<String> response, String budget) throws Exception {
        assertEquals(409, response.statusCode(), response.body());
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertEquals("conflict", error.path("code").asText());
        assertTrue(error.path("message").asText().contains("host budget '" + budget + "'"), error.toString());
    }

    private HttpResponse<String> create(String name, int vcpus, int memoryMib, int diskMib) throws Exception {
        return send("POST", "/v1/vms?wait=true", Map.of("name", name, "vcpus", vcpus, "memory_mib", memoryMib,
                "disk_mib", diskMib, "start", false));
    }

    private HttpRequest.Builder request(String method, String path, Object body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(daemon.base + path))
                .header("Authorization", "Bearer " + daemon.token).timeout(Duration.ofSeconds(30));
        if (body == null) {
            return b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return b.header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    }

    private HttpResponse<String> send(String method, String path, Object body) throws Exception {
        return http.send(request(method, path, body).build(), HttpResponse.BodyHandlers.ofString());
    }
}
