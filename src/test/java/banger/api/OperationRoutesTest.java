package banger.api;

import banger.exec.GuestExec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.operation.OperationRegistry;
import banger.operation.OperationSettings;
import banger.wire.OperationView;
import banger.operation.RegistryOperationControl;
import banger.persistence.SqliteReadJournal;
import banger.vm.FleetVmControl;
import banger.vm.ScriptedVmRuntime;
import banger.vm.TestFleets;
import banger.vm.VmRuntime;
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
 * The operation routes end to end: the real ApiServer over a real fleet, VM actors and operation registry,
 * journaled in the SQLite store; only the host side effects are scripted.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperationRoutesTest {

    private static final ScriptedVmRuntime runtime = new ScriptedVmRuntime();
    private static Path stateDir;
    private static ActorTestKit kit;
    private static ActorRef<OperationRegistry.Command> registry;
    private static OperationSettings settings;
    private static ApiFixture api;

    @BeforeAll
    static void start() throws Exception {
        stateDir = Files.createTempDirectory("banger-api-ops");
        Config config = ConfigFactory.parseString("banger.state-dir = \"" + stateDir + "\"\npekko.loglevel = WARNING")
                .withFallback(ConfigFactory.defaultReferenceUnresolved())
                .resolve();
        kit = ActorTestKit.create(config);
        TestFleets.Fleet fleet = TestFleets.start(kit, runtime);
        settings = new OperationSettings(Duration.ofHours(1), Duration.ofMinutes(1), Duration.ofSeconds(3),
                Duration.ofSeconds(20));
        registry = kit.spawn(OperationRegistry.create(fleet.fleet(), settings, Clock.systemUTC()));
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

    private static HttpResponse<String> create(String body, String key) throws Exception {
        var request = api.request("POST", "/v1/vms", body);
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        return api.send(request);
    }

    private static JsonNode awaitOperation(String id, String state) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        JsonNode op = ApiFixture.json(api.get("/v1/operations/" + id));
        while (!op.get("state").asText().equals(state) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            op = ApiFixture.json(api.get("/v1/operations/" + id));
        }
        assertEquals(state, op.get("state").asText(), op.toString());
        return op;
    }

    private static ScriptedVmRuntime.Call nextCall(String op) throws InterruptedException {
        ScriptedVmRuntime.Call call = runtime.next();
        assertEquals(op, call.op(), "log: " + runtime.log);
        return call;
    }

    @Test
    void repeatedIdempotencyKeyReturnsTheSameOperationAndCreatesOneVm() throws Exception {
        HttpResponse<String> first = create("{\"name\":\"solo\"}", "solo-key-1");
        assertEquals(202, first.statusCode(), first.body());
        JsonNode op = ApiFixture.json(first);
        String id = op.get("id").asText();
        assertEquals("running", op.get("state").asText());
        assertEquals("create_vm", op.get("kind").asText());
        assertEquals("solo", op.get("vm").asText());
        assertEquals("/v1/operations/" + id, first.headers().firstValue("Location").orElse(""));

        HttpResponse<String> again = create("{\"name\":\"solo\"}", "solo-key-1");
        assertEquals(202, again.statusCode(), again.body());
        assertEquals(id, ApiFixture.json(again).get("id").asText());

        HttpResponse<String> other = create("{\"name\":\"solo\",\"vcpus\":2}", "solo-key-1");
        assertEquals(409, other.statusCode(), other.body());
        assertTrue(ApiFixture.json(other).at("/error/message").asText().contains("Idempotency-Key"), other.body());

        nextCall("start").result().complete(new VmRuntime.Launched(11));
        runtime.expectNone(200);
        JsonNode done = awaitOperation(id, "succeeded");
        assertEquals(op.get("vm_id").asText(), done.get("vm_id").asText());
        JsonNode vms = ApiFixture.json(api.get("/v1/vms")).get("vms");
        long named = 0;
        for (JsonNode vm : vms) {
            named += vm.get("name").asText().equals("solo") ? 1 : 0;
        }
        assertEquals(1, named, vms.toString());
    }

    @Test
    void deleteOfAnOperationCancelsTheCreateAndTheVmIsGone() throws Exception {
        String id = ApiFixture.json(create("{\"name\":\"short-lived\"}", null)).get("id").asText();
        ScriptedVmRuntime.Call start = nextCall("start");

        CompletableFuture<HttpResponse<String>> cancel = api.client.sendAsync(
                api.request("DELETE", "/v1/operations/" + id, null).build(), HttpResponse.BodyHandlers.ofString());
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!runtime.log.contains("abort:short-lived") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(runtime.log.contains("abort:short-lived"), runtime.log.toString());
        start.result().completeExceptionally(new IllegalStateException("VMM killed"));
        nextCall("destroy").result().complete(null);

        HttpResponse<String> cancelled = cancel.get(10, TimeUnit.SECONDS);
        assertEquals(200, cancelled.statusCode(), cancelled.body());
        assertEquals("cancelled", ApiFixture.json(cancelled).get("state").asText());
        assertEquals(404, api.get("/v1/vms/short-lived").statusCode());
        HttpResponse<String> twice = api.send("DELETE", "/v1/operations/" + id, null);
        assertEquals(200, twice.statusCode(), "cancelling again answers the cancelled operation");
    }

    @Test
    void cancelAfterSuccessIs409() throws Exception {
        String id = ApiFixture.json(create("{\"name\":\"settled\"}", null)).get("id").asText();
        nextCall("start").result().complete(new VmRuntime.Launched(12));
        awaitOperation(id, "succeeded");
        HttpResponse<String> r = api.send("DELETE", "/v1/operations/" + id, null);
        assertEquals(409, r.statusCode(), r.body());
        assertEquals("conflict", ApiFixture.json(r).at("/error/code").asText());
        assertEquals(200, api.get("/v1/vms/settled").statusCode());
    }

    @Test
    void waitTrueAnswers201WithTheRunningVm() throws Exception {
        CompletableFuture<HttpResponse<String>> created = api.client.sendAsync(
                api.request("POST", "/v1/vms?wait=true", "{\"name\":\"patient\"}").build(),
                HttpResponse.BodyHandlers.ofString());
        nextCall("start").result().complete(new VmRuntime.Launched(13));
        HttpResponse<String> r = created.get(10, TimeUnit.SECONDS);
        assertEquals(201, r.statusCode(), r.body());
        assertEquals("running", ApiFixture.json(r).get("state").asText());
        assertEquals("patient", ApiFixture.json(r).get("name").asText());
    }

    @Test
    void refusedCreateAnswersItsErrorAndUnknownOperationIs404() throws Exception {
        HttpResponse<String> r = create("{\"name\":\"nowhere\",\"image\":\"missing\"}", null);
        assertEquals(422, r.statusCode(), r.body());
        assertEquals(404, api.get("/v1/operations/op-nope").statusCode());
        HttpResponse<String> badKey = create("{\"name\":\"keyed\"}", "has space");
        assertEquals(400, badKey.statusCode(), badKey.body());
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void operationsAreListedNewestFirstAndSurviveARegistryRestartFromSqlite() throws Exception {
        String older = ApiFixture.json(create("{\"name\":\"elder\",\"start\":false}", null)).get("id").asText();
        awaitOperation(older, "succeeded");
        String newer = ApiFixture.json(create("{\"name\":\"younger\",\"start\":false}", "young-key")).get("id")
                .asText();
        awaitOperation(newer, "succeeded");
        JsonNode ops = ApiFixture.json(api.get("/v1/operations")).get("operations");
        List<String> ids = new java.util.ArrayList<>();
        ops.forEach(o -> ids.add(o.get("id").asText()));
        assertTrue(ids.indexOf(newer) >= 0 && ids.indexOf(newer) < ids.indexOf(older), ids.toString());

        // runs last: a second registry over the same SQLite journal recovers the operations and their keys
        kit.stop(registry);
        ActorRef<OperationRegistry.Command> again = kit.spawn(OperationRegistry.create(
                kit.createTestProbe(banger.vm.VmFleet.Command.class).ref(), settings, Clock.systemUTC()));
        TestProbe<StatusReply<OperationView>> reply = kit.createTestProbe();
        again.tell(new OperationRegistry.CreateVm(new banger.wire.CreateVmRequest("younger", null, null, null, null,
                false, null), "young-key", reply.ref()));
        OperationView recovered = reply.receiveMessage(Duration.ofSeconds(5)).getValue();
        assertEquals(newer, recovered.id());
        assertEquals("succeeded", recovered.state());
    }
}
