package banger.api;

import banger.exec.ExecOutput;
import banger.doctor.DoctorCheck;
import banger.doctor.DoctorService;
import banger.exec.GuestExec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpApiOtherRoutesTest {

    private static final ActorTestKit kit =
            ActorTestKit.create(ApiFixture.config("banger.api.console-poll-interval = 50ms"));
    private static final FakeVmControl control = new FakeVmControl();
    private static final List<String> execCalls = new ArrayList<>();
    private static ApiFixture api;
    private static Path consoleDir;

    @BeforeAll
    static void start() throws Exception {
        Path stateDir = Files.createTempDirectory("banger-api-other");
        consoleDir = Files.createDirectories(stateDir.resolve("console"));
        GuestExec exec = (ref, argv, stdin, timeout) -> {
            execCalls.add(ref + " " + argv + " stdin=" + new String(stdin, StandardCharsets.UTF_8) + " " + timeout);
            return CompletableFuture.completedFuture(new ExecOutput("Linux web\n", "", 0));
        };
        EventFeed feed = after -> Source.<FeedEvent>never().mapMaterializedValue(m -> NotUsed.getInstance());
        DoctorService doctor = ApiFixture.doctor(List.of(
                new DoctorCheck("qemu", DoctorCheck.Status.OK, "qemu-system-x86_64 8.2", null),
                new DoctorCheck("kvm", DoctorCheck.Status.WARN, "no vmx/svm: TCG only", "use a host with KVM")));
        api = ApiFixture.start(kit, kit.system().settings().config(), stateDir, control, exec, feed, doctor);
    }

    @AfterAll
    static void stop() throws Exception {
        api.stop();
        kit.shutdownTestKit();
    }

    @BeforeEach
    void reset() {
        control.reset();
        control.consoleDir = consoleDir;
        execCalls.clear();
        control.put(FakeVmControl.vm("id-web", "web", "running", Map.of()));
    }

    @Test
    void healthzNeedsNoTokenAndReadyzReflectsTheFleet() throws Exception {
        HttpResponse<String> health = api.client.send(
                HttpRequest.newBuilder(api.base.resolve("/healthz")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        assertEquals("ok", ApiFixture.json(health).get("status").asText());

        HttpResponse<String> ready = api.client.send(
                HttpRequest.newBuilder(api.base.resolve("/readyz")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode());
        assertEquals("ready", ApiFixture.json(ready).get("status").asText());

        control.listAnswer = new CompletableFuture<>();
        HttpResponse<String> notReady = api.client.send(
                HttpRequest.newBuilder(api.base.resolve("/readyz")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(503, notReady.statusCode());
        assertEquals("unavailable", ApiFixture.json(notReady).get("error").get("code").asText());
    }

    @Test
    void consoleIsThePlainTextLogOrEmpty() throws Exception {
        HttpResponse<String> empty = api.get("/v1/vms/web/console");
        assertEquals(200, empty.statusCode());
        assertEquals("", empty.body());
        assertTrue(empty.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));

        Files.writeString(consoleDir.resolve("id-web.log"), "booting\nlogin:\n");
        assertEquals("booting\nlogin:\n", api.get("/v1/vms/web/console").body());
        assertEquals(404, api.get("/v1/vms/ghost/console").statusCode());
        assertEquals(400, api.get("/v1/vms/web/console?follow=maybe").statusCode());
    }

    @Test
    void consoleFollowStreamsWhatIsAppended() throws Exception {
        Path log = consoleDir.resolve("id-web.log");
        Files.writeString(log, "first\n");
        HttpResponse<InputStream> r = api.client.send(api.request("GET", "/v1/vms/web/console?follow=true", null)
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        try (InputStream in = r.body()) {
            assertEquals("first\n", readAtLeast(in, 6));
            Files.writeString(log, "second\n", StandardOpenOption.APPEND);
            assertEquals("second\n", readAtLeast(in, 7));
        }
    }

    private static String readAtLeast(InputStream in, int n) throws Exception {
        CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(in.readNBytes(n), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return read.get(10, TimeUnit.SECONDS);
    }

    @Test
    void execRunsTheCommandAndAnswersOutputAndExitCode() throws Exception {
        HttpResponse<String> r = api.send("POST", "/v1/vms/web/exec",
                "{\"argv\":[\"uname\",\"-n\"],\"stdin\":\"hi\",\"timeout_s\":5}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode out = ApiFixture.json(r);
        assertEquals("Linux web\n", out.get("stdout").asText());
        assertEquals(0, out.get("exit_code").asInt());
        assertEquals("", out.get("stderr").asText());
        assertEquals(List.of("web [uname, -n] stdin=hi " + Duration.ofSeconds(5)), execCalls);

        assertEquals(400, api.send("POST", "/v1/vms/web/exec", "{\"argv\":[]}").statusCode());
        assertEquals(400, api.send("POST", "/v1/vms/web/exec", "{\"argv\":[\"ls\",null]}").statusCode());
        assertEquals(400, api.send("POST", "/v1/vms/web/exec", "{\"argv\":[\"ls\"],\"timeout_s\":0}").statusCode());
        assertEquals(400, api.send("POST", "/v1/vms/web/exec", "{\"argv\":\"ls -l\"}").statusCode());
        assertEquals(1, execCalls.size());
    }

    @Test
    void imagesAreListedAndBootstrapAnswers202WithItsOperation() throws Exception {
        JsonNode images = ApiFixture.json(api.get("/v1/images")).get("images");
        assertEquals("tiny", images.get(0).get("name").asText());
        assertEquals(64L << 20, images.get(0).get("rootfs_bytes").asLong());
        assertEquals("2024-05-01T10:00:00Z", images.get(0).get("created_at").asText());

        HttpResponse<String> r = api.send("POST", "/v1/images/bootstrap", "{\"preset\":\"tiny\",\"name\":\"mini\"}");
        assertEquals(202, r.statusCode(), r.body());
        assertEquals("mini", ApiFixture.json(r).get("image").asText());
        assertEquals("bootstrap_image", ApiFixture.json(r).get("kind").asText());
        assertEquals("/v1/operations/op-mini", r.headers().firstValue("Location").orElse(null));
        assertEquals(400, api.send("POST", "/v1/images/bootstrap", "{\"preset\":\"tiny\",\"name\":\"Bad Name\"}")
                .statusCode());
        assertEquals(List.of("images", "bootstrap tiny mini"), control.calls);
    }

    @Test
    void pullValidatesTheReferenceAndNameBeforeAskingForTheImageAndNamesItAfterTheRepositoryByDefault() throws Exception {
        HttpResponse<String> r = api.send("POST", "/v1/images/pull?wait=true",
                "{\"ref\":\"127.0.0.1:5000/tests/bb:1\",\"name\":\"bb\"}");
        assertEquals(201, r.statusCode(), r.body());
        assertEquals("bb", ApiFixture.json(r).get("name").asText());
        HttpResponse<String> malformed = api.send("POST", "/v1/images/pull", "{\"ref\":\"UPPER/x:1\",\"name\":\"bb\"}");
        assertEquals(400, malformed.statusCode());
        assertTrue(malformed.body().contains("malformed image reference"), malformed.body());
        assertEquals(400, api.send("POST", "/v1/images/pull", "{\"ref\":\"busybox\",\"name\":\"Bad Name\"}").statusCode());
        assertEquals(400, api.send("POST", "/v1/images/pull", "{\"name\":\"bb\"}").statusCode());
        HttpResponse<String> unnamed = api.send("POST", "/v1/images/pull?wait=true",
                "{\"ref\":\"127.0.0.1:5000/tests/alpine:3.20@sha256:" + "a".repeat(64) + "\"}");
        assertEquals(201, unnamed.statusCode(), unnamed.body());
        assertEquals(List.of("pull 127.0.0.1:5000/tests/bb:1 bb", "images",
                "pull 127.0.0.1:5000/tests/alpine:3.20@sha256:" + "a".repeat(64) + " alpine", "images"), control.calls);
    }

    @Test
    void doctorListsChecks() throws Exception {
        JsonNode checks = ApiFixture.json(api.get("/v1/doctor")).get("checks");
        assertEquals(2, checks.size());
        assertEquals("OK", checks.get(0).get("status").asText());
        assertEquals("WARN", checks.get(1).get("status").asText());
        assertEquals("use a host with KVM", checks.get(1).get("fix").asText());
    }
}
