package banger.api;

import banger.exec.GuestExec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpApiVmRoutesTest {

    private static final ActorTestKit kit = ActorTestKit.create(ApiFixture.config("""
            banger.api.max-body-bytes = 4KiB
            pekko.http.server.request-timeout = 1s
            """));
    private static final FakeVmControl control = new FakeVmControl();
    private static ApiFixture api;

    @BeforeAll
    static void start() throws Exception {
        Path stateDir = Files.createTempDirectory("banger-api-vm");
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

    private static void assertError(HttpResponse<String> response, int status, String code) throws Exception {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
        JsonNode error = ApiFixture.json(response).get("error");
        assertEquals(code, error.get("code").asText(), response.body());
        assertFalse(error.get("message").asText().isBlank());
        assertTrue(error.get("details").isObject(), response.body());
    }

    @Test
    void createWithWaitReturns201WithTheVmInSnakeCaseAndIsoTimes() throws Exception {
        HttpResponse<String> r = api.send("POST", "/v1/vms?wait=true",
                "{\"name\":\"web\",\"image\":\"tiny\",\"vcpus\":2,\"memory_mib\":512,\"disk_mib\":1024,"
                        + "\"start\":false,\"labels\":{\"team\":\"ops\"}}");
        assertEquals(201, r.statusCode(), r.body());
        JsonNode vm = ApiFixture.json(r);
        assertEquals("web", vm.get("name").asText());
        assertEquals(512, vm.get("memory_mib").asInt());
        assertEquals(1024, vm.get("disk_mib").asInt());
        assertEquals("ops", vm.get("labels").get("team").asText());
        assertEquals("2024-05-01T10:00:00Z", vm.get("created_at").asText());
        assertTrue(vm.has("state_reason") && vm.has("updated_at") && vm.has("address") && vm.has("pid"), r.body());
        assertFalse(vm.has("memoryMib"));
        assertEquals(List.of("create web", "get id-web"), control.calls, "created, then read back once done");
    }

    @Test
    void listFiltersByStateAndLabels() throws Exception {
        control.put(FakeVmControl.vm("1", "a", "running", Map.of("env", "prod", "team", "x")));
        control.put(FakeVmControl.vm("2", "b", "running", Map.of("env", "dev")));
        control.put(FakeVmControl.vm("3", "c", "stopped", Map.of("env", "prod")));
        assertEquals(3, ApiFixture.json(api.get("/v1/vms")).get("vms").size());
        JsonNode vms = ApiFixture.json(api.get("/v1/vms?state=running&label=env=prod")).get("vms");
        assertEquals(1, vms.size());
        assertEquals("a", vms.get(0).get("name").asText());
        assertEquals(0, ApiFixture.json(api.get("/v1/vms?label=env=prod&label=team=y")).get("vms").size());
        assertError(api.get("/v1/vms?state=sleeping"), 400, "invalid_request");
        assertError(api.get("/v1/vms?label=env"), 400, "invalid_request");
    }

    @Test
    void getPatchLifecycleAndDeleteAnswerWithTheVm() throws Exception {
        control.put(FakeVmControl.vm("id-web", "web", "stopped", Map.of()));
        assertEquals("id-web", ApiFixture.json(api.get("/v1/vms/web")).get("id").asText());
        assertEquals("web", ApiFixture.json(api.get("/v1/vms/id-web")).get("name").asText());

        HttpResponse<String> patched = api.send("PATCH", "/v1/vms/web", "{\"memory_mib\":1024}");
        assertEquals(200, patched.statusCode(), patched.body());
        assertEquals(1024, ApiFixture.json(patched).get("memory_mib").asInt());

        for (String[] op : new String[][] {{"start", "running"}, {"stop", "stopped"}, {"restart", "running"},
                {"kill", "stopped"}}) {
            HttpResponse<String> r = api.send("POST", "/v1/vms/web/" + op[0] + "?wait=true", null);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(op[1], ApiFixture.json(r).get("state").asText());
        }
        HttpResponse<String> deleted = api.send("DELETE", "/v1/vms/web?wait=true", null);
        assertEquals(200, deleted.statusCode());
        assertEquals("deleted", ApiFixture.json(deleted).get("state").asText());
    }

    @Test
    void historyListsEventsWithSeqTypeAtAndData() throws Exception {
        control.put(FakeVmControl.vm("id-web", "web", "running", Map.of()));
        HttpResponse<String> r = api.get("/v1/vms/web/history");
        assertEquals(200, r.statusCode());
        JsonNode first = ApiFixture.json(r).get("events").get(0);
        assertEquals(1, first.get("seq").asLong());
        assertEquals("CreateRequested", first.get("type").asText());
        assertEquals("2024-05-01T10:00:00Z", first.get("at").asText());
        assertEquals(1, first.get("data").get("vcpus").asInt());
    }

    @Test
    void unknownVmIs404() throws Exception {
        assertError(api.get("/v1/vms/ghost"), 404, "not_found");
        assertError(api.send("POST", "/v1/vms/ghost/start", null), 404, "not_found");
    }

    @Test
    void duplicateNameIs409AndUnknownImageIs422() throws Exception {
        assertError(api.send("POST", "/v1/vms", "{\"name\":\"taken\"}"), 409, "conflict");
        assertError(api.send("POST", "/v1/vms", "{\"name\":\"x\",\"image\":\"no-such-image\"}"), 422, "unknown_image");
    }

    @Test
    void invalidBodiesAre400AndNeverReachTheControl() throws Exception {
        String[] bodies = {
            "{\"name\":\"Web_1\"}",
            "{\"name\":\"-web\"}",
            "{\"name\":\"web-\"}",
            "{\"vcpus\":0}",
            "{\"name\":\"web\",\"memory_mib\":-5}",
            "{\"name\":\"web\",\"vcpus\":0}",
            "{\"name\":\"web\",\"vcpus\":33}",
            "{\"name\":\"web\",\"disk_mib\":99999999}",
            "{\"name\":\"web\",\"vcpus\":\"2\"}",
            "{\"name\":\"web\",\"vcpus\":2.5}",
            "{\"name\":7}",
            "{\"name\":\"web\",\"start\":\"yes\"}",
            "{\"name\":\"web\",\"labels\":{\"k\":3}}",
            "{\"name\":\"web\",\"labels\":[]}",
            "{\"name\":\"web\"",
            "not json",
            "[1,2]",
            "null",
            "{\"name\":\"web\"} trailing",
            "{\"name\":\"web\",\"name\":\"db\"}",
        };
        for (String body : bodies) {
            assertError(api.send("POST", "/v1/vms", body), 400, "invalid_request");
        }
        assertEquals(List.of(), control.calls, "VmControl must not be called for invalid bodies");
    }

    @Test
    void validationErrorsNameTheField() throws Exception {
        JsonNode unknown = ApiFixture.json(api.send("POST", "/v1/vms", "{\"name\":\"web\",\"colour\":\"red\"}"));
        assertEquals("colour", unknown.get("error").get("details").get("field").asText());
        assertTrue(unknown.get("error").get("message").asText().contains("colour"));

        JsonNode memory = ApiFixture.json(api.send("POST", "/v1/vms", "{\"name\":\"web\",\"memory_mib\":-1}"));
        assertEquals("memory_mib", memory.get("error").get("details").get("field").asText());

        JsonNode type = ApiFixture.json(api.send("POST", "/v1/vms", "{\"name\":\"web\",\"vcpus\":\"two\"}"));
        assertEquals("vcpus", type.get("error").get("details").get("field").asText());
        assertEquals(List.of(), control.calls);
    }

    @Test
    void patchValidatesToo() throws Exception {
        control.put(FakeVmControl.vm("id-web", "web", "stopped", Map.of()));
        assertError(api.send("PATCH", "/v1/vms/web", "{\"memory_mib\":0}"), 400, "invalid_request");
        assertError(api.send("PATCH", "/v1/vms/web", "{}"), 400, "invalid_request");
        assertError(api.send("PATCH", "/v1/vms/web", "{\"name\":\"x\"}"), 400, "invalid_request");
        assertEquals(List.of(), control.calls);
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        String big = "{\"name\":\"web\",\"labels\":{\"k\":\"" + "x".repeat(8000) + "\"}}";
        assertError(api.sendAlone(api.request("POST", "/v1/vms", big)), 413, "payload_too_large");
        HttpRequest.Builder chunked = api.request("POST", "/v1/vms", null)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofString(big)));
        assertError(api.sendAlone(chunked), 413, "payload_too_large");
        assertEquals(List.of(), control.calls);
    }

    @Test
    void nonJsonBodyIs415() throws Exception {
        HttpResponse<String> r = api.send(api.request("POST", "/v1/vms", null)
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("name=web")));
        assertError(r, 415, "unsupported_media_type");
        assertEquals(List.of(), control.calls);
    }

    @Test
    void missingOrWrongTokenIs401AndNothingIsCalled() throws Exception {
        HttpRequest.Builder none = HttpRequest.newBuilder(api.base.resolve("/v1/vms"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"web\"}"));
        HttpResponse<String> r = api.send(none);
        assertError(r, 401, "unauthorized");
        assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));

        HttpRequest.Builder wrong = HttpRequest.newBuilder(api.base.resolve("/v1/vms"))
                .header("Authorization", "Bearer " + "0".repeat(64))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"web\"}"));
        assertError(api.send(wrong), 401, "unauthorized");
        HttpRequest.Builder basic = HttpRequest.newBuilder(api.base.resolve("/v1/vms"))
                .header("Authorization", "Basic " + api.token).GET();
        assertError(api.send(basic), 401, "unauthorized");
        assertEquals(List.of(), control.calls);
    }

    @Test
    void unknownRouteIs404AndWrongMethodIs405AsJson() throws Exception {
        assertError(api.get("/v1/nope"), 404, "not_found");
        assertError(api.get("/v1/vms/web/reboot"), 404, "not_found");
        HttpResponse<String> wrong = api.send("PUT", "/v1/vms/web", "{}");
        assertError(wrong, 405, "method_not_allowed");
        String allow = wrong.headers().firstValue("Allow").orElse("");
        assertTrue(allow.contains("GET") && allow.contains("PATCH") && allow.contains("DELETE"), allow);
        assertError(api.send("DELETE", "/v1/vms", null), 405, "method_not_allowed");
        assertEquals(List.of(), control.calls);
    }

    @Test
    void failuresTheClientDidNotCauseAre500WithoutDetailsOr503OnTimeout() throws Exception {
        control.listAnswer = CompletableFuture.failedFuture(new IllegalStateException("secret internals"));
        HttpResponse<String> r = api.get("/v1/vms");
        assertError(r, 500, "internal");
        assertFalse(r.body().contains("secret") || r.body().contains("IllegalStateException"), r.body());

        control.listAnswer = CompletableFuture.failedFuture(
                new org.apache.pekko.pattern.AskTimeoutException("ask timed out"));
        assertError(api.get("/v1/vms"), 503, "unavailable");
    }

    @Test
    void imageBootstrapMayOutliveTheServersRequestTimeout() throws Exception {
        control.bootstrapTakes = java.time.Duration.ofMillis(1500);
        HttpResponse<String> r = api.send("POST", "/v1/images/bootstrap?wait=true",
                "{\"preset\":\"tiny\",\"name\":\"slow\"}");
        assertEquals(201, r.statusCode(), r.body());
        assertEquals("slow", ApiFixture.json(r).get("name").asText());
    }

    @Test
    void aSlowBootOrStopMayOutliveTheServersRequestTimeout() throws Exception {
        control.put(FakeVmControl.vm("id-slow", "slow", "stopped", Map.of()));
        control.transitionTakes = java.time.Duration.ofMillis(1500);
        HttpResponse<String> r = api.send("POST", "/v1/vms/slow/start?wait=true", null);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(200, api.send("POST", "/v1/vms/slow/restart?wait=true", null).statusCode());
    }

    @Test
    void aRequestTheDaemonNeverAnswersTimesOutWith503Json() throws Exception {
        control.listAnswer = new CompletableFuture<>();
        assertError(api.sendAlone(api.request("GET", "/v1/vms", null)), 503, "unavailable");
    }
}
