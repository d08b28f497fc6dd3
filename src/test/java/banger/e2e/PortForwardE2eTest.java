package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A host port forwarded to a TCP server in a real tiny guest: reached through the daemon's relay, still reached
 * after the daemon is killed and started again, closed when the VM is deleted. The forwards listen on the
 * daemon's veth address (allowed by config), which this JVM reaches.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PortForwardE2eTest {

    private static final String PAGE = "hello-through-the-forward";
    private DaemonHarness daemon;

    @BeforeAll
    void startDaemon() {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        daemon = DaemonHarness.start("forward", "banger.forwards.allow-non-loopback = true\n");
        daemon.bootstrapTinyImage();
    }

    @AfterAll
    void stopDaemon() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void aForwardReachesTheGuestServerSurvivesADaemonRestartAndClosesWithTheVm() {
        E2eVm vm = daemon.createVm("web", true);
        daemon.exec("web", "sh", "-c", "mkdir -p /tmp/www && echo " + PAGE + " > /tmp/www/index.html"
                + " && setsid busybox httpd -f -p 8080 -h /tmp/www >/dev/null 2>&1 </dev/null &");
        String host = daemon.apiAddress();

        // bad requests are refused before anything listens
        assertEquals(400, daemon.post("/v1/vms/web/forwards", Map.of("guest_port", 0)).status());
        ApiResponse named = daemon.post("/v1/vms/web/forwards", Map.of("guest_port", 8080, "host_address", "localhost"));
        assertEquals(400, named.status(), named.toString());
        assertEquals(404, daemon.post("/v1/vms/nosuch/forwards", Map.of("guest_port", 8080)).status());

        JsonNode forward = daemon.expect(201, daemon.post("/v1/vms/web/forwards",
                Map.of("guest_port", 8080, "host_port", 0, "host_address", host))).json();
        int port = forward.path("host_port").asInt();
        String id = forward.path("id").asText();
        assertNotEquals(0, port, "the chosen port is reported: " + forward);
        assertEquals(host, forward.path("host_address").asText());
        assertEquals(8080, forward.path("guest_port").asInt());
        awaitPage(host, port, "the guest's httpd through the forward");

        ApiResponse taken = daemon.post("/v1/vms/web/forwards",
                Map.of("guest_port", 8080, "host_port", port, "host_address", host));
        assertEquals(409, taken.status(), "a host port in use: " + taken);
        JsonNode listed = daemon.expect(200, daemon.get("/v1/vms/web/forwards")).json().path("forwards");
        assertEquals(1, listed.size(), listed.toString());
        assertEquals(id, listed.get(0).path("id").asText());

        daemon.killDaemon();
        awaitRefused(host, port, "the forward down with the daemon");
        daemon.startDaemon();
        awaitPage(host, port, "the same host port after the daemon restarted");
        JsonNode restored = daemon.expect(200, daemon.get("/v1/vms/web/forwards")).json().path("forwards");
        assertEquals(id, restored.get(0).path("id").asText(), restored.toString());
        assertTrue(restored.get(0).path("error").isNull(), "listening again: " + restored);

        // removing the forward closes its port; a new one works
        daemon.expect(200, daemon.delete("/v1/vms/web/forwards/" + id));
        awaitRefused(host, port, "the removed forward's port closed");
        int second = daemon.expect(201, daemon.post("/v1/vms/web/forwards",
                Map.of("guest_port", 8080, "host_address", host))).json().path("host_port").asInt();
        awaitPage(host, second, "a second forward");

        daemon.deleteVm(vm.id());
        awaitRefused(host, second, "the deleted VM's forward closed");
    }

    private static void awaitPage(String host, int port, String what) {
        AtomicReference<String> last = new AtomicReference<>();
        DaemonHarness.await(what + " (last answer: " + last + ")", Duration.ofSeconds(60), () -> {
            String answer = fetch(host, port);
            last.set(answer);
            return answer.contains(PAGE);
        });
    }

    private static void awaitRefused(String host, int port, String what) {
        DaemonHarness.await(what, Duration.ofSeconds(30), () -> {
            try {
                fetch(host, port);
                return false;
            } catch (IllegalStateException e) {
                return e.getCause() instanceof ConnectException;
            }
        });
    }

    /** One HTTP/1.0 GET through host:port; the whole answer. */
    private static String fetch(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 3000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /index.html HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
