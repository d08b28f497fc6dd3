package banger.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.testsupport.InstantVmRuntime;
import banger.testsupport.LocalDaemon;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Test;

/**
 * The event stream over the real SQLite journal: a client that resumes with Last-Event-ID, after a disconnect
 * and after the daemon's actor system is replaced on the same database, gets every event exactly once, in order.
 * Each "daemon life" is its own ActorTestKit on purpose: the restart is what is tested.
 */
class EventStreamResumeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newHttpClient();

    /** One run of the daemon's control plane on a state dir. */
    private final class Life implements AutoCloseable {
        final ActorTestKit kit;
        final LocalDaemon daemon;

        Life(Path stateDir) throws Exception {
            kit = ActorTestKit.create("life", LocalDaemon.config(stateDir,
                    "pekko.loglevel = WARNING\nbanger.api.sse-keep-alive = 1s"));
            daemon = LocalDaemon.start(kit.system(), new InstantVmRuntime(name -> false));
        }

        HttpRequest.Builder request(String path) {
            return HttpRequest.newBuilder(daemon.base.resolve(path)).timeout(Duration.ofSeconds(20))
                    .header("Authorization", "Bearer " + daemon.token);
        }

        JsonNode send(String method, String path, String body, int status) throws Exception {
            HttpResponse<String> r = client.send(request(path).header("Content-Type", "application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(status, r.statusCode(), r.body());
            return JSON.readTree(r.body());
        }

        void create(String name) throws Exception {
            send("POST", "/v1/vms?wait=true", "{\"name\":\"" + name + "\",\"start\":false}", 201);
        }

        SseReader subscribe(String lastEventId) throws Exception {
            HttpRequest.Builder b = request("/v1/events");
            if (lastEventId != null) {
                b.header("Last-Event-ID", lastEventId);
            }
            HttpResponse<InputStream> r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            return new SseReader(r.body());
        }

        @Override
        public void close() throws Exception {
            daemon.stop();
            kit.shutdownTestKit();
        }
    }

    private record Seen(long id, String type, String vmId) {
    }

    private static List<Seen> read(SseReader sse, int n) throws Exception {
        List<Seen> out = new ArrayList<>();
        for (SseReader.Frame f : sse.events(n, 10_000)) {
            JsonNode data = JSON.readTree(f.data());
            assertEquals(Long.parseLong(f.id()), data.get("offset").asLong(), "the SSE id is the journal offset");
            out.add(new Seen(Long.parseLong(f.id()), data.get("type").asText(), data.get("vm_id").asText()));
        }
        assertEquals(n, out.size(), "events received: " + out);
        return out;
    }

    private static void assertNoMoreEvents(SseReader sse) throws Exception {
        long until = System.currentTimeMillis() + 1500;
        while (System.currentTimeMillis() < until) {
            SseReader.Frame f;
            try {
                f = sse.next(until - System.currentTimeMillis());
            } catch (TimeoutException e) {
                return;
            }
            assertTrue(f == null || f.data() == null, "unexpected extra event " + f);
        }
    }

    @Test
    void resumedStreamDeliversEveryEventExactlyOnceAcrossDisconnectAndRestart() throws Exception {
        Path state = Files.createTempDirectory("banger-sse-resume");
        List<Seen> all = new ArrayList<>();
        String vmA;
        try (Life first = new Life(state)) {
            first.create("a");
            first.create("b");
            first.create("c");
            try (SseReader sse = first.subscribe(null)) {
                all.addAll(read(sse, 3));
            }
            first.create("d");
            first.create("e");
            try (SseReader sse = first.subscribe(String.valueOf(all.get(2).id()))) {
                List<Seen> more = read(sse, 2);
                assertNoMoreEvents(sse);
                all.addAll(more);
            }
            vmA = first.send("GET", "/v1/vms/a", null, 200).get("id").asText();
            first.send("PATCH", "/v1/vms/a", "{\"labels\":{\"k\":\"v\"}}", 200);
        }
        try (Life second = new Life(state)) {
            second.create("f");
            try (SseReader sse = second.subscribe(String.valueOf(all.get(4).id()))) {
                List<Seen> after = read(sse, 2);
                assertNoMoreEvents(sse);
                assertEquals("Reconfigured", after.get(0).type(), "the event missed while the daemon was down");
                assertEquals(vmA, after.get(0).vmId());
                assertEquals("Created", after.get(1).type());
                all.addAll(after);
            }
        }
        for (int i = 1; i < all.size(); i++) {
            assertTrue(all.get(i).id() > all.get(i - 1).id(), "strictly increasing, no duplicates: " + all);
        }
        assertEquals(List.of("Created", "Created", "Created", "Created", "Created", "Reconfigured", "Created"),
                all.stream().map(Seen::type).toList());
    }
}
