package banger.api;

import banger.exec.ExecOutput;
import banger.exec.GuestExec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class InFlightLimitRoutesTest {

    private static final ActorTestKit kit =
            ActorTestKit.create(ApiFixture.config("banger.api.max-inflight-changes = 1"));
    private static final FakeVmControl control = new FakeVmControl();
    private static final CompletableFuture<ExecOutput> slowExec = new CompletableFuture<>();
    private static final java.util.concurrent.CountDownLatch execEntered = new java.util.concurrent.CountDownLatch(1);
    private static ApiFixture api;

    @BeforeAll
    static void start() throws Exception {
        control.put(FakeVmControl.vm("id-web", "web", "stopped", Map.of()));
        GuestExec exec = (ref, argv, stdin, timeout) -> {
            execEntered.countDown();
            return slowExec;
        };
        EventFeed feed = after -> Source.<FeedEvent>never().mapMaterializedValue(m -> NotUsed.getInstance());
        api = ApiFixture.start(kit, kit.system().settings().config(), Files.createTempDirectory("banger-limit"),
                control, exec, feed, ApiFixture.doctor(List.of()));
    }

    @AfterAll
    static void stop() throws Exception {
        api.stop();
        kit.shutdownTestKit();
    }

    @Test
    void changesBeyondTheInFlightLimitGet429WhileReadsStillAnswer() throws Exception {
        CompletableFuture<HttpResponse<String>> busy = api.client.sendAsync(
                api.request("POST", "/v1/vms/web/exec", "{\"argv\":[\"sleep\",\"1\"]}").build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(execEntered.await(30, TimeUnit.SECONDS), "the exec holds its slot in the guest");
        HttpResponse<String> refused = api.send("POST", "/v1/vms/web/start", null);
        assertEquals(429, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("\"too_many_requests\""), refused.body());
        assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
        assertEquals(200, api.get("/v1/vms").statusCode(), "reads are not limited");
        assertTrue(control.calls.stream().noneMatch(c -> c.startsWith("start")), "the refused start never ran");

        slowExec.complete(new ExecOutput("", "", 0));
        assertEquals(200, busy.get(10, TimeUnit.SECONDS).statusCode());
        assertEquals(200, api.send("POST", "/v1/vms/web/start?wait=true", null).statusCode(), "the slot was released");
    }
}
