package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Session start latency and follow-stream throughput beside exec, on one real tiny guest (QEMU, TCG here).
 * A benchmark, not a test: runs only with -Dbanger.bench.sessions=true (bench/sessions), prints a table.
 */
class SessionBenchE2eTest extends TinyDaemonE2eTest {

    private static final int ROUNDS = 10;
    private static final int STREAM_BYTES = 8 << 20;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    SessionBenchE2eTest() {
        super("session-bench");
    }

    @Test
    void sessionStartAndFollowThroughputBesideExec() throws Exception {
        assumeTrue(Boolean.getBoolean("banger.bench.sessions"), "run with -Dbanger.bench.sessions=true");
        E2eVm vm = daemon.createVm("bench", true);
        String sessions = "/v1/vms/" + vm.id() + "/sessions";
        // warm-up: the first start installs the supervisor
        String warm = daemon.expect(201, daemon.post(sessions, Map.of("argv", List.of("true")))).json().path("id").asText();
        daemon.expect(200, daemon.delete(sessions + "/" + warm));
        daemon.exec(vm.id(), "true");

        List<Long> execMs = new ArrayList<>();
        List<Long> startMs = new ArrayList<>();
        for (int i = 0; i < ROUNDS; i++) {
            long t0 = System.nanoTime();
            daemon.exec(vm.id(), "true");
            execMs.add((System.nanoTime() - t0) / 1_000_000);
            t0 = System.nanoTime();
            JsonNode s = daemon.expect(201, daemon.post(sessions, Map.of("argv", List.of("true")))).json();
            startMs.add((System.nanoTime() - t0) / 1_000_000);
            daemon.expect(200, daemon.delete(sessions + "/" + s.path("id").asText()));
        }

        String produce = "head -c " + STREAM_BYTES + " /dev/zero | tr '\\0' a";
        long t0 = System.nanoTime();
        JsonNode exec = daemon.expect(200, daemon.post("/v1/vms/" + vm.id() + "/exec",
                Map.of("argv", List.of("sh", "-c", produce), "timeout_s", 600))).json();
        double execSeconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(STREAM_BYTES, exec.path("stdout").asText().length());

        t0 = System.nanoTime();
        String id = daemon.expect(201, daemon.post(sessions, Map.of("argv", List.of("sh", "-c", produce)))).json()
                .path("id").asText();
        HttpResponse<InputStream> follow = http.send(HttpRequest.newBuilder(daemon.uri(sessions + "/" + id
                        + "/output?offset=0&follow=true")).header("Authorization", "Bearer " + daemon.token()).GET()
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        long received;
        try (InputStream in = follow.body()) {
            received = in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        double followSeconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(STREAM_BYTES, received);

        System.out.println("\n== sessions beside exec, tiny guest (" + ROUNDS + " rounds) ==");
        System.out.printf("%-40s %8s %8s%n", "", "p50 ms", "max ms");
        System.out.printf("%-40s %8d %8d%n", "exec `true` (POST /exec)", p50(execMs), Collections.max(execMs));
        System.out.printf("%-40s %8d %8d%n", "session start `true` (POST /sessions)", p50(startMs),
                Collections.max(startMs));
        System.out.printf("%-40s %8.2f MiB/s (%.1f s)%n", "exec, 8 MiB of stdout", STREAM_BYTES / 1048576.0 / execSeconds,
                execSeconds);
        System.out.printf("%-40s %8.2f MiB/s (%.1f s)%n", "session start + follow, 8 MiB",
                STREAM_BYTES / 1048576.0 / followSeconds, followSeconds);
    }

    private static long p50(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get((sorted.size() - 1) / 2);
    }
}
