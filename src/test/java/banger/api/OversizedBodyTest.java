package banger.api;

import banger.exec.ExecOutput;
import banger.exec.GuestExec;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A body over its route's limit answers 413 in the JSON error shape, however large it is. */
class OversizedBodyTest {

    private static ActorTestKit kit;
    private static final FakeVmControl control = new FakeVmControl();
    private static ApiFixture api;
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        // made here, not in a static initialiser, so that a rerun of a failed test gets a live kit
        kit = ActorTestKit.create(ApiFixture.config(""));
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

    /**
     * The 413 comes from the declared length alone, before any of the body is read. The request is written by hand,
     * headers only: a client still writing 20 MiB when the server answers and closes gets a reset that can swallow
     * the answer (Linux drops unread data on RST), which is the client's loss, not what is tested here.
     */
    @Test
    void aTwentyMegabyteJsonBodyIs413FromItsContentLengthAlone() throws Exception {
        for (String[] route : List.of(new String[] {"POST", "/v1/vms"}, new String[] {"PATCH", "/v1/vms/web"},
                new String[] {"POST", "/v1/vms/web/exec"})) {
            String[] response = headersOnly(route[0], route[1], 20 << 20);
            assertEquals("413", response[0], route[0] + " " + route[1] + ": " + response[1]);
            JsonNode error = JSON.readTree(response[1]).get("error");
            assertEquals("payload_too_large", error.get("code").asText());
        }
    }

    /** Sends a request's head declaring {@code length} bytes of JSON and none of them; answers status and body. */
    private static String[] headersOnly(String method, String path, int length) throws IOException {
        try (Socket socket = new Socket(api.base.getHost(), api.base.getPort())) {
            socket.setSoTimeout(20_000);
            String head = method + " " + path + " HTTP/1.1\r\nHost: " + api.base.getAuthority()
                    + "\r\nAuthorization: Bearer " + api.token + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + length + "\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            String headers = readHead(in);
            String status = headers.substring(headers.indexOf(' ') + 1, headers.indexOf(' ') + 4);
            Matcher declared = Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(headers);
            byte[] body = declared.find() ? in.readNBytes(Integer.parseInt(declared.group(1))) : new byte[0];
            return new String[] {status, new String(body, StandardCharsets.UTF_8)};
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the connection closed after: " + head);
            }
            head.append((char) b);
        }
        return head.toString();
    }

    @Test
    void aTwentyMegabyteChunkedBodyIs413() throws Exception {
        byte[] body = hugeJson(20 << 20).getBytes(StandardCharsets.UTF_8);
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
