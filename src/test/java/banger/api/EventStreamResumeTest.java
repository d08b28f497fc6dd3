package banger.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.image.Image;
import banger.image.ImageRegistry;
import banger.persistence.SqliteReadJournal;
import banger.vm.CreateVmRequest;
import banger.vm.FleetVmControl;
import banger.vm.GuestAddresses;
import banger.vm.PatchVmRequest;
import banger.vm.VmDefaults;
import banger.vm.VmFleet;
import banger.vm.VmNameListener;
import banger.vm.VmRuntime;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.junit.jupiter.api.Test;

/**
 * The event stream over the real SQLite journal: a client that resumes with Last-Event-ID, after a disconnect
 * and after the daemon's actor system is replaced on the same database, gets every event exactly once, in order.
 * Each "daemon life" is its own ActorTestKit on purpose: the restart is what is tested.
 */
class EventStreamResumeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newHttpClient();

    /** One run of the daemon's control plane (fleet, images, journal, HTTP API) on a state dir. */
    private static final class Life implements AutoCloseable {
        final ActorTestKit kit;
        final FleetVmControl control;
        final ServerBinding binding;
        final String token;

        Life(Path stateDir, boolean registerImage) throws Exception {
            Config config = ConfigFactory.parseString("banger.state-dir = \"" + stateDir + "\"\n"
                            + "pekko.loglevel = WARNING\nbanger.api.sse-keep-alive = 1s")
                    .withFallback(ConfigFactory.defaultReferenceUnresolved()).resolve();
            kit = ActorTestKit.create("life", config);
            ActorRef<ImageRegistry.Command> images = kit.spawn(ImageRegistry.create((p, n) -> {
                throw new IllegalStateException("no builds here");
            }));
            if (registerImage) {
                AskPattern.<ImageRegistry.Command, StatusReply<Image>>ask(images,
                        r -> new ImageRegistry.Register(new Image("tiny", "tiny", "/k", "/i", null, "/r", 1L << 20,
                                Instant.now()), r), Duration.ofSeconds(10), kit.scheduler())
                        .toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
            VmRuntime idle = new VmRuntime() {
                public java.util.concurrent.CompletionStage<Launched> start(banger.vm.VmSpec s) {
                    return CompletableFuture.failedFuture(new IllegalStateException("not started in this test"));
                }

                public java.util.concurrent.CompletionStage<String> stop(banger.vm.VmSpec s, boolean f) {
                    return CompletableFuture.completedFuture("");
                }

                public java.util.concurrent.CompletionStage<Probe> probe(banger.vm.VmSpec s) {
                    return CompletableFuture.completedFuture(new Probe(false, 0, "none"));
                }

                public java.util.concurrent.CompletionStage<Void> destroy(banger.vm.VmSpec s) {
                    return CompletableFuture.completedFuture(null);
                }
            };
            ActorRef<VmFleet.Command> fleet = kit.spawn(VmFleet.create(images, idle, GuestAddresses.NONE,
                    VmNameListener.NONE, new VmDefaults("tiny", 1, 128, 64, 4, 4096, 4096), Duration.ofSeconds(60),
                    Duration.ofSeconds(10), Clock.systemUTC()));
            control = new FleetVmControl(kit.system(), fleet, images, SqliteReadJournal.IDENTIFIER, stateDir,
                    Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(10));
            SqliteReadJournal journal = PersistenceQuery.get(kit.system())
                    .getReadJournalFor(SqliteReadJournal.class, SqliteReadJournal.IDENTIFIER);
            HttpApi api = new HttpApi(kit.system(), control, ApiToken.loadOrCreate(stateDir),
                    (ref, argv, stdin, timeout) -> CompletableFuture.failedFuture(new IllegalStateException()),
                    new JournalEventFeed(journal, id -> null), () -> CompletableFuture.completedFuture(List.of()),
                    config);
            binding = api.bind("127.0.0.1", 0).toCompletableFuture().get(10, TimeUnit.SECONDS);
            token = Files.readString(stateDir.resolve(ApiToken.FILE_NAME)).strip();
        }

        void create(String name) throws Exception {
            control.create(new CreateVmRequest(name, null, null, null, null, false, Map.of()))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
        }

        SseReader subscribe(HttpClient client, String lastEventId) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + "/v1/events"))
                    .header("Authorization", "Bearer " + token);
            if (lastEventId != null) {
                b.header("Last-Event-ID", lastEventId);
            }
            HttpResponse<InputStream> r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            return new SseReader(r.body());
        }

        @Override
        public void close() throws Exception {
            binding.terminate(Duration.ofSeconds(2)).toCompletableFuture().get(10, TimeUnit.SECONDS);
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
            } catch (java.util.concurrent.TimeoutException e) {
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
        try (Life first = new Life(state, true)) {
            first.create("a");
            first.create("b");
            first.create("c");
            try (SseReader sse = first.subscribe(client, null)) {
                all.addAll(read(sse, 3));
            }
            first.create("d");
            first.create("e");
            try (SseReader sse = first.subscribe(client, String.valueOf(all.get(2).id()))) {
                List<Seen> more = read(sse, 2);
                assertNoMoreEvents(sse);
                all.addAll(more);
            }
            vmA = first.control.get("a").toCompletableFuture().get().id();
            first.control.patch("a", new PatchVmRequest(null, null, null, Map.of("k", "v")))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        try (Life second = new Life(state, false)) {
            second.create("f");
            try (SseReader sse = second.subscribe(client, String.valueOf(all.get(4).id()))) {
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
