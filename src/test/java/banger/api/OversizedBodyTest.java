package banger.api;

import banger.exec.ExecOutput;
import banger.exec.GuestExec;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A body over its route's limit answers 413 in the JSON error shape, however large it is. */
class OversizedBodyTest {

    private static final ActorTestKit kit = ActorTestKit.create(ApiFixture.config(""));
    private static final FakeVmControl control = new FakeVmControl();
    private static ApiFixture api;

    @BeforeAll
    static void start() throws Exception {
        Path stateDir = Files.createTempDirectory("banger-api-oversized");
        GuestExec exec = (ref, argv, stdin, timeout) -> CompletableFuture.completedFuture(new ExecOutput("", "", 0));
        EventFeed feed = after -> Source.<FeedEvent>never().mapMaterializedValue(m -> NotUsed.getInstance());
        api = ApiFixture.start(kit, kit.system().settings().config(), stateDir, control, exec, feed,
                ApiFixture.doctor(List.of()));
        control.put(FakeVmControl.vm("id-web", "web", "running", Map.of()));
    }

    @AfterAll
    static void stop() throws Exception {
        api.stop();
        kit.shutdownTestKit();
    }

    @Test
    void aTwentyMegabyteJsonBodyIs413() throws Exception {
        for (String[] route : List.of(new String[] {"POST", "/v1/vms"}, new String[] {"PATCH", "/v1/vms/web"},
                new String[] {"POST", "/v1/vms/web/exec"})) {
            HttpResponse<String> response = api.send(api.request(route[0], route[1], hugeJson(20 << 20)));
            assertEquals(413, response.statusCode(), route[0] + " " + route[1] + ": " + response.body());
            JsonNode error = ApiFixture.json(response).get("error");
            assertEquals("payload_too_large", error.get("code").asText());
        }
    }

    @Test
    void aTwentyMegabyteChunkedBodyIs413() throws Exception {
        byte[] body = hugeJson(20 << 20).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        HttpRequest.Builder chunked = api.request("POST", "/v1/vms", null)
                .header("Content-Type", "application/json")
                .method("POST", HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)));
        HttpResponse<String> response = api.send(chunked);
        assertEquals(413, response.statusCode(), response.body());
        assertEquals("payload_too_large", ApiFixture.json(response).get("error").get("code").asText());
    }

    private static String hugeJson(int size) {
        return "{\"name\":\"" + "a".repeat(size) + "\"}";
    }
}
