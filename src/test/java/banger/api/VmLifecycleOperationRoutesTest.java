package banger.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.exec.GuestExec;
import banger.operation.OperationRegistry;
import banger.operation.OperationSettings;
import banger.operation.RegistryOperationControl;
import banger.persistence.SqliteReadJournal;
import banger.vm.FleetVmControl;
import banger.vm.ScriptedVmRuntime;
import banger.vm.TestFleets;
import banger.vm.VmRuntime;
import banger.wire.OperationView;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Start, stop, restart and delete as operations, end to end: the real ApiServer over a real fleet, VM actors and
 * operation registry journaled in SQLite; only the host side effects (the VMM) are a stand-in the test completes
 * by hand, so each call can be held mid-way and cancelled.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VmLifecycleOperationRoutesTest {

    private static final ScriptedVmRuntime runtime = new ScriptedVmRuntime();
    private static ActorTestKit kit;
    private static TestFleets.Fleet fleet;
    private static ActorRef<OperationRegistry.Command> registry;
    private static OperationSettings settings;
    private static ApiFixture api;

    @BeforeAll
    static void start() throws Exception {
        Path stateDir = Files.createTempDirectory("banger-api-lifecycle-ops");
        Config config = ConfigFactory.parseString("banger.state-dir = \"" + stateDir + "\"\npekko.loglevel = WARNING")
                .withFallback(ConfigFactory.defaultReferenceUnresolved())
                .resolve();
        kit = ActorTestKit.create(config);
        fleet = TestFleets.start(kit, runtime);
        settings = new OperationSettings(Duration.ofHours(1), Duration.ofMinutes(1), Duration.ofSeconds(3),
                Duration.ofSeconds(20));
        registry = kit.spawn(OperationRegistry.create(fleet.fleet(), settings, Clock.systemUTC()), "operations");
        FleetVmControl control = new FleetVmControl(kit.system(), fleet.fleet(), fleet.images(),
                SqliteReadJournal.IDENTIFIER, stateDir, Duration.ofSeconds(3), Duration.ofSeconds(20),
                Duration.ofSeconds(20));
        GuestExec exec = (ref, argv, stdin, timeout) -> CompletableFuture.failedFuture(new IllegalStateException());
        EventFeed feed = after -> Source.<FeedEvent>never().mapMaterializedValue(m -> NotUsed.getInstance());
        api = ApiFixture.start(kit, config, stateDir, control,
                new RegistryOperationControl(kit.system(), registry, settings), exec, feed,
                ApiFixture.doctor(List.of()));
    }

    @AfterAll
    static void stop() throws Exception {
        api.stop();
        kit.shutdownTestKit();
    }

    @Test
    void startAnswers202WithARunningOperationThatSucceedsOnceTheVmRuns() throws Exception {
        createStopped("sprinter");
        HttpResponse<String> r = api.send("POST", "/v1/vms/sprinter/start", null);
        assertEquals(202, r.statusCode(), r.body());
        JsonNode op = ApiFixture.json(r);
        String id = op.get("id").asText();
        assertEquals("start_vm", op.get("kind").asText());
        assertEquals("running", op.get("state").asText());
        assertEquals("sprinter", op.get("vm").asText());
        assertEquals("/v1/operations/" + id, r.headers().firstValue("Location").orElse(""));

        nextCall("start").result().complete(new VmRuntime.Launched(21));
        awaitOperation(id, "succeeded");
        assertEquals("running", vmState("sprinter"));
    }

    @Test
    void waitTrueAnswersEachCallAsBeforeWith200AndTheVm() throws Exception {
        createRunning("patient");
        CompletableFuture<HttpResponse<String>> stop = sendAsync("POST", "/v1/vms/patient/stop?wait=true");
        nextCall("stop").result().complete("");
        assertVm(stop, "stopped");

        CompletableFuture<HttpResponse<String>> start = sendAsync("POST", "/v1/vms/patient/start?wait=true");
        nextCall("start").result().complete(new VmRuntime.Launched(22));
        assertVm(start, "running");

        CompletableFuture<HttpResponse<String>> restart = sendAsync("POST", "/v1/vms/patient/restart?wait=true");
        nextCall("stop").result().complete("");
        nextCall("start").result().complete(new VmRuntime.Launched(23));
        assertVm(restart, "running");

        CompletableFuture<HttpResponse<String>> delete = sendAsync("DELETE", "/v1/vms/patient?wait=true");
        nextCall("destroy").result().complete(null);
        assertVm(delete, "deleted");
        assertEquals(404, api.get("/v1/vms/patient").statusCode());
    }

    @Test
    void aFailedStartWithWaitTrueAnswers502WithTheStartFailure() throws Exception {
        createStopped("brittle");
        CompletableFuture<HttpResponse<String>> start = sendAsync("POST", "/v1/vms/brittle/start?wait=true");
        nextCall("start").result().completeExceptionally(new IllegalStateException("kernel panic"));
        HttpResponse<String> r = start.get(10, TimeUnit.SECONDS);
        assertEquals(502, r.statusCode(), r.body());
        assertEquals("operation_failed", ApiFixture.json(r).at("/error/code").asText());
        assertTrue(ApiFixture.json(r).at("/error/message").asText().contains("kernel panic"), r.body());
    }

    @Test
    void anUnknownVmIs404AtOnceWithOrWithoutWait() throws Exception {
        for (String path : List.of("/v1/vms/ghost/start", "/v1/vms/ghost/stop?wait=true", "/v1/vms/ghost/restart",
                "/v1/vms/ghost/suspend", "/v1/vms/ghost/suspend?wait=true")) {
            HttpResponse<String> r = api.send("POST", path, null);
            assertEquals(404, r.statusCode(), path + ": " + r.body());
            assertEquals("not_found", ApiFixture.json(r).at("/error/code").asText());
        }
        assertEquals(404, api.send("DELETE", "/v1/vms/ghost", null).statusCode());
    }

    @Test
    void suspendIsAnOperationEndingSuspendedWhoseStartIsWarmAndAStoppedVmCannotBeSuspended() throws Exception {
        createStopped("dozer");
        HttpResponse<String> refused = api.send("POST", "/v1/vms/dozer/suspend?wait=true", null);
        assertEquals(409, refused.statusCode(), refused.body());
        assertEquals("conflict", ApiFixture.json(refused).at("/error/code").asText());
        String failed = accepted("POST", "/v1/vms/dozer/suspend");
        assertEquals("conflict", awaitOperation(failed, "failed").at("/error/code").asText());

        createRunning("napper");
        String id = accepted("POST", "/v1/vms/napper/suspend");
        assertEquals("suspend_vm", ApiFixture.json(api.get("/v1/operations/" + id)).get("kind").asText());
        nextCall("suspend").result().complete(4096L);
        awaitOperation(id, "succeeded");
        JsonNode suspended = ApiFixture.json(api.get("/v1/vms/napper"));
        assertEquals("suspended", suspended.get("state").asText(), suspended.toString());
        assertEquals(4096, suspended.at("/saved_state/bytes").asLong(), suspended.toString());
        HttpResponse<String> again = api.send("POST", "/v1/vms/napper/suspend?wait=true", null);
        assertEquals(200, again.statusCode(), again.body());

        CompletableFuture<HttpResponse<String>> start = sendAsync("POST", "/v1/vms/napper/start?wait=true");
        nextCall("warm-start").result().complete(new VmRuntime.Launched(31, true, null));
        HttpResponse<String> started = start.get(10, TimeUnit.SECONDS);
        assertEquals(200, started.statusCode(), started.body());
        JsonNode vm = ApiFixture.json(started);
        assertEquals("running", vm.get("state").asText());
        assertEquals("warm", vm.at("/last_start/kind").asText(), vm.toString());
        assertTrue(vm.get("saved_state").isNull(), vm.toString());
    }

    @Test
    void aCancelledStartAbortsTheBootAndLeavesTheVmStopped() throws Exception {
        createStopped("aborted");
        String id = accepted("POST", "/v1/vms/aborted/start");
        ScriptedVmRuntime.Call start = nextCall("start");

        CompletableFuture<HttpResponse<String>> cancel = sendAsync("DELETE", "/v1/operations/" + id);
        awaitLog("abort:aborted");
        start.result().completeExceptionally(new IllegalStateException("VMM killed"));

        HttpResponse<String> cancelled = cancel.get(10, TimeUnit.SECONDS);
        assertEquals(200, cancelled.statusCode(), cancelled.body());
        assertEquals("cancelled", ApiFixture.json(cancelled).get("state").asText());
        assertEquals("stopped", vmState("aborted"));
        runtime.expectNone(200);
        CompletableFuture<HttpResponse<String>> again = sendAsync("POST", "/v1/vms/aborted/start?wait=true");
        nextCall("start").result().complete(new VmRuntime.Launched(27));
        assertVm(again, "running");
    }

    @Test
    void aCancelledStopCompletesTheStopAndTheVmEndsStopped() throws Exception {
        createRunning("halting");
        String id = accepted("POST", "/v1/vms/halting/stop");
        ScriptedVmRuntime.Call stop = nextCall("stop");

        CompletableFuture<HttpResponse<String>> cancel = sendAsync("DELETE", "/v1/operations/" + id);
        // gives the cancel time to reach the VM while its graceful stop is held
        runtime.expectNone(1000);
        assertEquals("stopping", vmState("halting"), "the graceful stop is never left half done");
        stop.result().complete("");

        HttpResponse<String> cancelled = cancel.get(10, TimeUnit.SECONDS);
        // the cancel completes the stop; had it come after the stop finished, it is 409 and the stop succeeded
        assertOutcome(id, cancelled);
        assertEquals("stopped", vmState("halting"));
        runtime.expectNone(200);
    }

    @Test
    void aCancelledRestartLeavesTheVmStopped() throws Exception {
        createRunning("bouncer");
        String id = accepted("POST", "/v1/vms/bouncer/restart");
        ScriptedVmRuntime.Call stop = nextCall("stop");
        CompletableFuture<HttpResponse<String>> cancel = sendAsync("DELETE", "/v1/operations/" + id);
        runtime.expectNone(1000);
        stop.result().complete("");
        // the restart's start began before the cancel reached the VM: it runs, then the cancel's kill stops it
        nextCall("start").result().complete(new VmRuntime.Launched(24));
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!cancel.isDone() && System.nanoTime() < deadline) {
            ScriptedVmRuntime.Call kill = runtime.poll(100);
            if (kill != null) {
                assertEquals("kill", kill.op(), "log: " + runtime.log);
                kill.result().complete("");
            }
        }
        HttpResponse<String> cancelled = cancel.get(1, TimeUnit.SECONDS);
        assertOutcome(id, cancelled);
        assertEquals(cancelled.statusCode() == 200 ? "stopped" : "running", vmState("bouncer"));
    }

    @Test
    void aDeleteUnderWayCannotBeCancelledAndCompletes() throws Exception {
        createStopped("condemned");
        String id = accepted("DELETE", "/v1/vms/condemned");
        ScriptedVmRuntime.Call destroy = nextCall("destroy");

        HttpResponse<String> refused = api.send("DELETE", "/v1/operations/" + id, null);
        assertEquals(409, refused.statusCode(), refused.body());
        assertTrue(ApiFixture.json(refused).at("/error/message").asText().contains("cannot be undone"),
                refused.body());
        destroy.result().complete(null);
        awaitOperation(id, "succeeded");
        assertEquals(404, api.get("/v1/vms/condemned").statusCode());
    }

    @Test
    void aRepeatedIdempotencyKeyFindsTheSameOperationAndADifferentCallIs409() throws Exception {
        createRunning("keyed");
        String id = accepted("POST", "/v1/vms/keyed/stop", "keyed-stop-1");
        ScriptedVmRuntime.Call stop = nextCall("stop");
        assertEquals(id, accepted("POST", "/v1/vms/keyed/stop", "keyed-stop-1"), "same key, same call");

        HttpResponse<String> other = api.send(api.request("POST", "/v1/vms/keyed/start", null)
                .header("Idempotency-Key", "keyed-stop-1"));
        assertEquals(409, other.statusCode(), other.body());
        assertTrue(ApiFixture.json(other).at("/error/message").asText().contains("Idempotency-Key"), other.body());
        runtime.expectNone(200);

        stop.result().complete("");
        awaitOperation(id, "succeeded");
        assertEquals(id, accepted("POST", "/v1/vms/keyed/stop", "keyed-stop-1"), "the finished operation");
        runtime.expectNone(200);
        assertEquals("stopped", vmState("keyed"));
    }

    @Test
    void cancelAfterTheCallFinishedIs409AndChangesNothing() throws Exception {
        createStopped("settled");
        String id = accepted("POST", "/v1/vms/settled/start");
        nextCall("start").result().complete(new VmRuntime.Launched(25));
        awaitOperation(id, "succeeded");
        HttpResponse<String> r = api.send("DELETE", "/v1/operations/" + id, null);
        assertEquals(409, r.statusCode(), r.body());
        assertEquals("running", vmState("settled"));
        runtime.expectNone(200);
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void anOperationInFlightWhenTheRegistryRestartsIsSettledFromItsVm() throws Exception {
        createStopped("survivor");
        String id = accepted("POST", "/v1/vms/survivor/start");
        ScriptedVmRuntime.Call start = nextCall("start");

        // runs last: the registry stops mid-start and a second one recovers from the same SQLite journal
        kit.stop(registry);
        ActorRef<OperationRegistry.Command> again = kit.spawn(OperationRegistry.create(fleet.fleet(), settings,
                Clock.systemUTC()));
        assertEquals("running", operation(again, id).state(), "still starting: not judged yet");
        start.result().complete(new VmRuntime.Launched(26));
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        OperationView op = operation(again, id);
        while (!op.finished() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            op = operation(again, id);
        }
        assertEquals("succeeded", op.state(), op.toString());
        assertEquals("start_vm", op.kind());
        assertEquals("survivor", op.vm());
    }

    // ---- helpers

    private static void createStopped(String name) throws Exception {
        HttpResponse<String> r = api.send("POST", "/v1/vms?wait=true", "{\"name\":\"" + name + "\",\"start\":false}");
        assertEquals(201, r.statusCode(), r.body());
    }

    private static void createRunning(String name) throws Exception {
        CompletableFuture<HttpResponse<String>> created = sendAsync("POST", "/v1/vms?wait=true",
                "{\"name\":\"" + name + "\"}");
        nextCall("start").result().complete(new VmRuntime.Launched(20));
        HttpResponse<String> r = created.get(10, TimeUnit.SECONDS);
        assertEquals(201, r.statusCode(), r.body());
    }

    private static String accepted(String method, String path) throws Exception {
        return accepted(method, path, null);
    }

    private static String accepted(String method, String path, String key) throws Exception {
        var request = api.request(method, path, null);
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        HttpResponse<String> r = api.send(request);
        assertEquals(202, r.statusCode(), method + " " + path + ": " + r.body());
        return ApiFixture.json(r).get("id").asText();
    }

    private static CompletableFuture<HttpResponse<String>> sendAsync(String method, String path) {
        return sendAsync(method, path, null);
    }

    private static CompletableFuture<HttpResponse<String>> sendAsync(String method, String path, String body) {
        return api.client.sendAsync(api.request(method, path, body).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertVm(CompletableFuture<HttpResponse<String>> pending, String state) throws Exception {
        HttpResponse<String> r = pending.get(10, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(state, ApiFixture.json(r).get("state").asText(), r.body());
    }

    /** A cancel that took answers the cancelled operation; one that came too late is 409 and the call succeeded. */
    private static void assertOutcome(String id, HttpResponse<String> cancel) throws Exception {
        if (cancel.statusCode() == 200) {
            assertEquals("cancelled", ApiFixture.json(cancel).get("state").asText(), cancel.body());
        } else {
            assertEquals(409, cancel.statusCode(), cancel.body());
            awaitOperation(id, "succeeded");
        }
        System.out.printf("lifecycle ops: cancel answered %d%n", cancel.statusCode());
    }

    private static String vmState(String name) throws Exception {
        return ApiFixture.json(api.get("/v1/vms/" + name)).get("state").asText();
    }

    private static JsonNode awaitOperation(String id, String state) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        JsonNode op = ApiFixture.json(api.get("/v1/operations/" + id));
        while (!op.get("state").asText().equals(state) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            op = ApiFixture.json(api.get("/v1/operations/" + id));
        }
        assertEquals(state, op.get("state").asText(), op.toString());
        return op;
    }

    private static void awaitLog(String entry) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!runtime.log.contains(entry) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(runtime.log.contains(entry), runtime.log.toString());
    }

    private static OperationView operation(ActorRef<OperationRegistry.Command> registry, String id) {
        TestProbe<StatusReply<OperationView>> reply = kit.createTestProbe();
        registry.tell(new OperationRegistry.Get(id, reply.ref()));
        return reply.receiveMessage(Duration.ofSeconds(5)).getValue();
    }

    private static ScriptedVmRuntime.Call nextCall(String op) throws InterruptedException {
        ScriptedVmRuntime.Call call = runtime.next();
        assertEquals(op, call.op(), "log: " + runtime.log);
        return call;
    }
}
