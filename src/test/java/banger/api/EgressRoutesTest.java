package banger.api;

import banger.exec.GuestExec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The egress field at the API edge: its three JSON shapes go through, anything else is a 400 naming it. */
class EgressRoutesTest {

    private static final ActorTestKit kit = ActorTestKit.create(ApiFixture.config(""));
    private static final FakeVmControl control = new FakeVmControl();
    private static ApiFixture api;

    @BeforeAll
    static void start() throws Exception {
        Path stateDir = Files.createTempDirectory("banger-api-egress");
        GuestExec exec = (ref, argv, stdin, timeout) -> CompletableFuture.failedFuture(new IllegalStateException());
        EventFeed feed = after -> Source.<FeedEvent>never().mapMaterializedValue(m -> NotUsed.getInstance());
        api = ApiFixture.start(kit, kit.system().settings().config(), stateDir, control, exec, feed,
                ApiFixture.doctor(List.of()));
    }

    @AfterAll
    static void stop() throws Exception {
        api.stop();
        kit.shutdownTestKit();
    }

    @BeforeEach
    void reset() {
        control.reset();
    }

    @Test
    void aVmShowsAllowUnlessItsCreateSaysOtherwise() throws Exception {
        JsonNode plain = ApiFixture.json(api.send("POST", "/v1/vms?wait=true", "{\"name\":\"plain\",\"start\":false}"));
        assertEquals("allow", plain.get("egress").asText());
        JsonNode denied = ApiFixture.json(api.send("POST", "/v1/vms?wait=true",
                "{\"name\":\"shut\",\"start\":false,\"egress\":\"deny\"}"));
        assertEquals("deny", denied.get("egress").asText());
        JsonNode listed = ApiFixture.json(api.send("POST", "/v1/vms?wait=true",
                "{\"name\":\"listed\",\"start\":false,\"egress\":[{\"cidr\":\"203.0.113.0/24\",\"ports\":[443,443,80]},"
                        + "{\"cidr\":\"198.51.100.7\"}]}"));
        assertEquals("[{\"cidr\":\"203.0.113.0/24\",\"ports\":[443,80]},{\"cidr\":\"198.51.100.7/32\",\"ports\":[]}]",
                listed.get("egress").toString(), "ports deduplicated, a bare address is a /32");
        assertEquals("[{\"cidr\":\"203.0.113.0/24\",\"ports\":[443,80]},{\"cidr\":\"198.51.100.7/32\",\"ports\":[]}]",
                ApiFixture.json(api.get("/v1/vms/listed")).get("egress").toString(), "vm show");
    }

    @Test
    void aPatchWithOnlyEgressChangesIt() throws Exception {
        control.put(FakeVmControl.vm("1", "web", "running", Map.of()));
        HttpResponse<String> r = api.send("PATCH", "/v1/vms/web", "{\"egress\":\"deny\"}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("deny", ApiFixture.json(r).get("egress").asText());
    }

    @Test
    void malformedPoliciesAre400NamingTheFieldAndNeverReachTheControl() throws Exception {
        for (String egress : List.of("\"sometimes\"", "42", "{}", "[]", "[1]", "[{}]", "[{\"cidr\":5}]",
                "[{\"cidr\":\"10.0.0.1/8\"}]", "[{\"cidr\":\"300.0.0.0/8\"}]", "[{\"cidr\":\"10.0.0.0/33\"}]",
                "[{\"cidr\":\"010.0.0.0/8\"}]", "[{\"cidr\":\"::/0\"}]", "[{\"cidr\":\"10.0.0.0/8\",\"ports\":[0]}]",
                "[{\"cidr\":\"10.0.0.0/8\",\"ports\":[65536]}]", "[{\"cidr\":\"10.0.0.0/8\",\"ports\":\"80\"}]",
                "[{\"cidr\":\"10.0.0.0/8\",\"ports\":[80.5]}]", "[{\"cidr\":\"10.0.0.0/8\",\"proto\":\"tcp\"}]",
                "[" + "{\"cidr\":\"10.0.0.0/8\"},".repeat(64) + "{\"cidr\":\"10.0.0.0/8\"}]")) {
            for (String[] call : List.of(new String[] {"POST", "/v1/vms", "{\"name\":\"web\",\"egress\":" + egress + "}"},
                    new String[] {"PATCH", "/v1/vms/web", "{\"egress\":" + egress + "}"})) {
                HttpResponse<String> r = api.send(call[0], call[1], call[2]);
                assertEquals(400, r.statusCode(), call[0] + " " + egress + ": " + r.body());
                JsonNode error = ApiFixture.json(r).get("error");
                assertEquals("invalid_request", error.get("code").asText());
                assertEquals("egress", error.get("details").path("field").asText(), r.body());
                assertTrue(error.get("message").asText().contains("egress"), r.body());
            }
        }
        assertEquals(List.of(), control.calls);
    }
}
