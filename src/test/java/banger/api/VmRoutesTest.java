package banger.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.exec.GuestExec;
import banger.vm.VmPhase;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
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

/** The VM routes' answers that come from the domain's own phases: unknown VMs and the ?state= filter. */
class VmRoutesTest {

    private static final ActorTestKit kit = ActorTestKit.create(ApiFixture.config(""));
    private static final FakeVmControl control = new FakeVmControl();
    private static ApiFixture api;

    @BeforeAll
    static void start() throws Exception {
        GuestExec exec = (ref, argv, stdin, timeout) -> CompletableFuture.failedFuture(new IllegalStateException());
        EventFeed feed = after -> Source.<FeedEvent>never().mapMaterializedValue(m -> NotUsed.getInstance());
        api = ApiFixture.start(kit, kit.system().settings().config(), Files.createTempDirectory("banger-api-vms"),
                control, exec, feed, ApiFixture.doctor(List.of()));
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
    void reportedActivityCountsTowardsTheIdleTimeoutAndAnswersTheVm() throws Exception {
        control.put(FakeVmControl.vm("id-web", "web", "running", Map.of()));

        HttpResponse<String> r = api.send("POST", "/v1/vms/web/activity", null);

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("web", ApiFixture.json(r).path("name").asText());
        assertTrue(control.calls.contains("touch web"), control.calls.toString());
        assertEquals(404, api.send("POST", "/v1/vms/ghost/activity", null).statusCode());
    }

    @Test
    void getOfAVmThatNeverExistedAnswers404WellUnder100Ms() throws Exception {
        control.put(FakeVmControl.vm("id-web", "web", "running", Map.of()));
        api.get("/v1/vms/warm-up");
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String ref = i % 2 == 0 ? "ghost-" + i : "0b9f3c1e-4d7a-4f7e-9a51-00000000000" + (i % 10);
            long started = System.nanoTime();
            HttpResponse<String> r = api.get("/v1/vms/" + ref);
            millis.add((System.nanoTime() - started) / 1_000_000);
            assertEquals(404, r.statusCode(), r.body());
            assertEquals("not_found", ApiFixture.json(r).at("/error/code").asText(), r.body());
        }
        Collections.sort(millis);
        assertTrue(millis.get(millis.size() / 2) < 100, "median " + millis.get(millis.size() / 2) + " ms: " + millis);
        assertTrue(millis.get(millis.size() - 1) < 1000, "slowest " + millis);
    }

    @Test
    void stateFilterAcceptsDeletingAndReturnsOnlyVmsBeingDeleted() throws Exception {
        control.put(FakeVmControl.vm("id-a", "a", "deleting", Map.of()));
        control.put(FakeVmControl.vm("id-b", "b", "running", Map.of()));
        HttpResponse<String> r = api.get("/v1/vms?state=deleting");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode vms = ApiFixture.json(r).get("vms");
        assertEquals(1, vms.size(), r.body());
        assertEquals("a", vms.get(0).get("name").asText());
    }

    @Test
    void stateFilterAcceptsEveryVmPhase() throws Exception {
        for (VmPhase phase : VmPhase.values()) {
            HttpResponse<String> r = api.get("/v1/vms?state=" + phase.wireName());
            assertEquals(200, r.statusCode(), phase + ": " + r.body());
        }
    }

    @Test
    void unknownStateIsRefusedNamingEveryVmPhase() throws Exception {
        HttpResponse<String> r = api.get("/v1/vms?state=sleeping");
        assertEquals(400, r.statusCode(), r.body());
        JsonNode error = ApiFixture.json(r).get("error");
        assertEquals("invalid_request", error.get("code").asText());
        assertEquals("state", error.at("/details/field").asText());
        for (VmPhase phase : VmPhase.values()) {
            assertTrue(error.get("message").asText().contains(phase.wireName()), error.toString());
        }
        assertEquals(List.of(), control.calls, "refused before the fleet was asked");
    }
}
