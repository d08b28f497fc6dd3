package banger.api;

import banger.exec.ExecOutput;
import banger.exec.GuestExec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The workspace, file and port routes over fake guest I/O: parameters, media types, limits and shapes. */
class GuestIoRoutesTest {

    private static final ActorTestKit kit = ActorTestKit.create(ApiFixture.config("banger.api.max-upload-bytes = 4KiB"));
    private static final FakeVmControl control = new FakeVmControl();
    private static final String BASE = "0123456789abcdef0123456789abcdef01234567";
    private static ApiFixture api;

    @BeforeAll
    static void start() throws Exception {
        GuestExec exec = (ref, argv, stdin, timeout) -> CompletableFuture.completedFuture(new ExecOutput("", "", 0));
        EventFeed feed = after -> Source.<FeedEvent>never().mapMaterializedValue(m -> NotUsed.getInstance());
        api = ApiFixture.start(kit, kit.system().settings().config(), Files.createTempDirectory("banger-api-io"),
                control, exec, feed, ApiFixture.doctor(List.of()));
    }

    @AfterAll
    static void stop() throws Exception {
        api.stop();
        kit.shutdownTestKit();
    }

    private HttpResponse<String> put(String path, String contentType, byte[] body) throws Exception {
        return api.send(api.request("PUT", path, null).header("Content-Type", contentType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    @Test
    void aPrepareAnswersWhereFromWhatAndHowMuch() throws Exception {
        HttpResponse<String> r = put("/v1/vms/web/workspace?path=/root/work/&base_commit=" + BASE,
                "application/x-tar", new byte[1024]);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = ApiFixture.json(r);
        assertEquals("/root/work", body.path("guest_path").asText());
        assertEquals(BASE, body.path("base_commit").asText());
        assertEquals(1024, body.path("bytes").asLong());
        assertTrue(body.has("files") && body.has("prepared_at"), body.toString());
    }

    @Test
    void theBaseCommitMayComeInAHeader() throws Exception {
        HttpResponse<String> r = api.send(api.request("PUT", "/v1/vms/web/workspace?path=/w", null)
                .header("Content-Type", "application/x-tar").header("X-Banger-Base-Commit", BASE)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[512])));
        assertEquals(BASE, ApiFixture.json(r).path("base_commit").asText(), r.body());
    }

    @Test
    void aPrepareRefusesOtherMediaTypesBadCommitsAndPathsThatAreNotAbsolute() throws Exception {
        assertEquals(415, put("/v1/vms/web/workspace?path=/w", "application/json", new byte[2]).statusCode());
        HttpResponse<String> commit = put("/v1/vms/web/workspace?path=/w&base_commit=HEAD", "application/x-tar",
                new byte[2]);
        assertEquals(400, commit.statusCode());
        assertEquals("base_commit", ApiFixture.json(commit).at("/error/details/field").asText());
        assertEquals(400, put("/v1/vms/web/workspace?path=work", "application/x-tar", new byte[2]).statusCode());
        assertEquals(400, put("/v1/vms/web/workspace?path=/", "application/x-tar", new byte[2]).statusCode());
        assertEquals(400, put("/v1/vms/web/workspace", "application/x-tar", new byte[2]).statusCode());
    }

    @Test
    void fileParametersAreChecked() throws Exception {
        assertEquals(400, put("/v1/vms/web/files?path=rel", "application/octet-stream", new byte[1]).statusCode());
        assertEquals(400, put("/v1/vms/web/files?path=/a&mode=999", "application/octet-stream", new byte[1])
                .statusCode());
        assertEquals(400, put("/v1/vms/web/files?path=/a&archive=zip", "application/octet-stream", new byte[1])
                .statusCode());
        assertEquals(400, api.get("/v1/vms/web/files?path=a/../b").statusCode());
        HttpResponse<String> ok = put("/v1/vms/web/files?path=/etc/app.conf&mode=0600", "application/octet-stream",
                new byte[100]);
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(100, ApiFixture.json(ok).path("bytes").asLong());
    }

    @Test
    void aBodyOverTheUploadLimitIs413InTheErrorShape() throws Exception {
        HttpResponse<String> r = put("/v1/vms/web/files?path=/big", "application/octet-stream", new byte[8192]);
        assertEquals(413, r.statusCode(), r.body());
        assertEquals("payload_too_large", ApiFixture.json(r).at("/error/code").asText());
    }

    @Test
    void downloadsStreamTheGuestsBytesAndPortsAreListed() throws Exception {
        HttpResponse<String> file = api.get("/v1/vms/web/files?path=/etc/hostname");
        assertEquals(200, file.statusCode());
        assertEquals("content of /etc/hostname", file.body());
        assertEquals("bundle", api.get("/v1/vms/web/workspace/bundle").body());
        assertEquals("diff", api.get("/v1/vms/web/workspace/diff").body());
        JsonNode port = ApiFixture.json(api.get("/v1/vms/web/ports")).path("ports").get(0);
        assertEquals("tcp", port.path("protocol").asText());
        assertEquals(22, port.path("port").asInt());
        assertEquals("dropbear", port.path("process").asText());
        assertEquals(1, port.path("pid").asInt());
    }
}
