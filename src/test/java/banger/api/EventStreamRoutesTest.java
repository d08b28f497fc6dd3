package banger.api;

import banger.exec.GuestExec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.ThrottleMode;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EventStreamRoutesTest {

    private static final int BUFFER = 128;
    // small socket buffers make a client that reads nothing stall the server within a few hundred events
    private static final ActorTestKit kit = ActorTestKit.create(ApiFixture.config("""
            banger.api.sse-buffer = %d
            banger.api.sse-keep-alive = 300ms
            pekko.http.server.socket-options.so-send-buffer-size = 8192
            """.formatted(BUFFER)));
    private static final Instant AT = Instant.parse("2024-05-01T10:00:00Z");
    private static final List<FeedEvent> STORED = List.of(
            event(1, "a", "Created"), event(2, "a", "Started"), event(3, "b", "Created"),
            event(4, "b", "Started"), event(5, "a", "Stopped"));

    private static volatile LongFunction<Source<FeedEvent, NotUsed>> feed = EventStreamRoutesTest::storedThenIdle;
    private static ApiFixture api;

    @BeforeAll
    static void start() throws Exception {
        GuestExec exec = (ref, argv, stdin, timeout) -> CompletableFuture.failedFuture(new IllegalStateException());
        api = ApiFixture.start(kit, kit.system().settings().config(), Files.createTempDirectory("banger-api-sse"),
                new FakeVmControl(), exec, after -> feed.apply(after), ApiFixture.doctor(List.of()));
    }

    @AfterAll
    static void stop() throws Exception {
        api.stop();
        kit.shutdownTestKit();
    }

    private static FeedEvent event(long offset, String vm, String type) {
        return new FeedEvent(offset, "id-" + vm, vm, type, AT.plusSeconds(offset), Map.of("n", offset));
    }

    private static Source<FeedEvent, NotUsed> storedThenIdle(long after) {
        return Source.from(STORED.stream().filter(e -> e.offset() > after).toList())
                .concat(Source.<FeedEvent>never().mapMaterializedValue(m -> NotUsed.getInstance()));
    }

    private SseReader subscribe(String path, String lastEventId) throws Exception {
        var request = api.request("GET", path, null).header("Accept", "text/event-stream");
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<InputStream> r = api.client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        return new SseReader(r.body());
    }

    private static List<Long> ids(List<SseReader.Frame> frames) {
        return frames.stream().map(f -> Long.parseLong(f.id())).toList();
    }

    @Test
    void eventsCarryTheJournalOffsetAsIdTheTypeAsEventAndSnakeCaseData() throws Exception {
        try (SseReader sse = subscribe("/v1/events", null)) {
            List<SseReader.Frame> frames = sse.events(5, 5000);
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L), ids(frames));
            SseReader.Frame first = frames.get(0);
            assertEquals("Created", first.event());
            JsonNode data = ApiFixture.JSON.readTree(first.data());
            assertEquals(1, data.get("offset").asLong());
            assertEquals("id-a", data.get("vm_id").asText());
            assertEquals("a", data.get("vm_name").asText());
            assertEquals("Created", data.get("type").asText());
            assertEquals("2024-05-01T10:00:01Z", data.get("at").asText());
            assertEquals(1, data.get("data").get("n").asInt());
        }
    }

    @Test
    void lastEventIdAndAfterResumeAfterTheGivenOffset() throws Exception {
        try (SseReader sse = subscribe("/v1/events", "3")) {
            assertEquals(List.of(4L, 5L), ids(sse.events(2, 5000)));
        }
        try (SseReader sse = subscribe("/v1/events?after=4", null)) {
            assertEquals(List.of(5L), ids(sse.events(1, 5000)));
        }
        assertEquals(400, api.get("/v1/events?after=x").statusCode());
    }

    @Test
    void filtersByVmIdOrNameAndByType() throws Exception {
        try (SseReader sse = subscribe("/v1/events?vm=b", null)) {
            assertEquals(List.of(3L, 4L), ids(sse.events(2, 5000)));
        }
        try (SseReader sse = subscribe("/v1/events?vm=id-a&type=Started,Stopped", null)) {
            assertEquals(List.of(2L, 5L), ids(sse.events(2, 5000)));
        }
    }

    @Test
    void idleStreamsGetKeepAlives() throws Exception {
        try (SseReader sse = subscribe("/v1/events?after=5", null)) {
            SseReader.Frame keepAlive = sse.next(3000);
            assertNotNull(keepAlive);
            assertEquals(null, keepAlive.id());
            assertEquals(null, keepAlive.event());
            assertNotNull(keepAlive.comment(), "keep-alive must be an SSE comment line");
        }
    }

    @Test
    void aStalledSubscriberIsCutOffWithAnOverflowEventWhileAHealthyOneKeepsReceiving() throws Exception {
        int total = 1500;
        feed = after -> Source.fromJavaStream(() -> LongStream.rangeClosed(after + 1, total).boxed())
                .throttle(25, Duration.ofMillis(50), 25, ThrottleMode.shaping())
                .map(i -> event(i, "a", "Tick"))
                .concat(Source.<FeedEvent>never().mapMaterializedValue(m -> NotUsed.getInstance()));
        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new InetSocketAddress("127.0.0.1", api.base.getPort()), 5000);
            OutputStream out = stalled.getOutputStream();
            out.write(("GET /v1/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + api.token
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();

            try (SseReader healthy = subscribe("/v1/events", null)) {
                List<SseReader.Frame> frames = healthy.events(total, 10_000);
                assertEquals(total, frames.size());
                assertEquals(total, Long.parseLong(frames.get(total - 1).id()));
                assertTrue(frames.stream().noneMatch(f -> EventStream.OVERFLOW.equals(f.event())));
            }

            stalled.setSoTimeout(10_000);
            String received = readToEnd(stalled.getInputStream());
            Matcher overflow = Pattern.compile("(?m)^event: ?overflow$").matcher(received);
            assertTrue(overflow.find(), "no overflow event");
            Matcher ids = Pattern.compile("(?m)^id: ?(\\d+)").matcher(received);
            long delivered = 0;
            while (ids.find()) {
                delivered++;
            }
            assertTrue(delivered < total, "stalled subscriber got " + delivered + " events, expected to be cut off");
            assertTrue(overflow.start() > received.lastIndexOf("Tick"), "overflow must be the final event");
        } finally {
            feed = EventStreamRoutesTest::storedThenIdle;
        }
    }

    private static String readToEnd(InputStream in) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        in.transferTo(bytes);
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
