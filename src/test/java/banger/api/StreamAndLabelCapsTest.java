package banger.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.testsupport.InstantVmRuntime;
import banger.testsupport.LocalDaemon;
import banger.vm.LabelLimits;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Against the real control plane (fleet, VM actors, SQLite journal): labels, event subscribers, console followers. */
class StreamAndLabelCapsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient http = HttpClient.newHttpClient();
    private static ActorTestKit kit;
    private static LocalDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        kit = ActorTestKit.create(LocalDaemon.config(Files.createTempDirectory("banger-caps"),
                "banger.api.max-event-subscribers = 2\nbanger.api.max-console-followers = 1\n"
                        + "banger.api.console-poll-interval = 50ms"));
        daemon = LocalDaemon.start(kit.system(), new InstantVmRuntime(name -> false));
    }

    @AfterAll
    static void stop() throws Exception {
        daemon.stop();
        kit.shutdownTestKit();
    }

    @Test
    void aPatchThatWouldLeaveTooManyLabelsIs400AndChangesNothing() throws Exception {
        Map<String, String> labels = new LinkedHashMap<>();
        for (int i = 0; i < LabelLimits.MAX_LABELS - 1; i++) {
            labels.put("k" + i, "v");
        }
        createVm("labelled", labels);
        assertEquals(200, send("PATCH", "/v1/vms/labelled", Map.of("labels", Map.of("one", "more"))).statusCode());
        HttpResponse<String> tooMany = send("PATCH", "/v1/vms/labelled", Map.of("labels", Map.of("and", "another")));
        assertEquals(400, tooMany.statusCode(), tooMany.body());
        assertEquals("invalid_request", JSON.readTree(tooMany.body()).path("error").path("code").asText());
        JsonNode vm = JSON.readTree(send("GET", "/v1/vms/labelled", null).body());
        assertEquals(LabelLimits.MAX_LABELS, vm.path("labels").size());
        // removing one and adding one in the same patch stays within the cap
        Map<String, String> swap = new LinkedHashMap<>();
        swap.put("k0", "");
        swap.put("and", "another");
        assertEquals(200, send("PATCH", "/v1/vms/labelled", Map.of("labels", swap)).statusCode());
    }

    @Test
    void labelsWhoseTotalSizeWouldPassTheCapAre400() throws Exception {
        createVm("big-labels", Map.of());
        String value = "v".repeat(255);
        int accepted = 0;
        HttpResponse<String> answer;
        do {
            answer = send("PATCH", "/v1/vms/big-labels", Map.of("labels", Map.of("key-" + accepted, value)));
            accepted++;
        } while (answer.statusCode() == 200 && accepted < LabelLimits.MAX_LABELS);
        assertEquals(400, answer.statusCode(), answer.body());
        assertTrue(answer.body().contains("total"), answer.body());
        assertTrue((accepted - 1) * (255 + 6) <= LabelLimits.MAX_TOTAL_CHARS, "accepted " + (accepted - 1));
    }

    @Test
    void eventSubscribersPastTheCapGet429() throws Exception {
        List<HttpResponse<InputStream>> open = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                HttpResponse<InputStream> stream = http.send(request("GET", "/v1/events", null).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                assertEquals(200, stream.statusCode());
                open.add(stream);
            }
            HttpResponse<String> third = send("GET", "/v1/events", null);
            assertEquals(429, third.statusCode(), third.body());
            assertEquals("too_many_requests", JSON.readTree(third.body()).path("error").path("code").asText());
        } finally {
            for (HttpResponse<InputStream> stream : open) {
                stream.body().close();
            }
        }
    }

    @Test
    void consoleFollowersPastTheCapGet429AndAFollowEndsWhenItsVmIsDeleted() throws Exception {
        createVm("followed", Map.of());
        HttpResponse<InputStream> follow = http.send(request("GET", "/v1/vms/followed/console?follow=true", null).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, follow.statusCode());
        HttpResponse<String> second = send("GET", "/v1/vms/followed/console?follow=true", null);
        assertEquals(429, second.statusCode(), second.body());

        CompletableFuture<Integer> ended = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = follow.body()) {
                return in.read();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(200, send("DELETE", "/v1/vms/followed?wait=true", null).statusCode());
        assertEquals(-1, ended.get(30, TimeUnit.SECONDS), "the follow ends once the VM is deleted");
    }

    private static void createVm(String name, Map<String, String> labels) throws Exception {
        HttpResponse<String> created = send("POST", "/v1/vms?wait=true",
                Map.of("name", name, "start", false, "labels", labels));
        assertEquals(201, created.statusCode(), created.body());
    }

    private static HttpRequest.Builder request(String method, String path, Object body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(daemon.base + path))
                .header("Authorization", "Bearer " + daemon.token).timeout(Duration.ofSeconds(60));
        if (body == null) {
            return b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return b.header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    }

    private static HttpResponse<String> send(String method, String path, Object body) throws Exception {
        return http.send(request(method, path, body).build(), HttpResponse.BodyHandlers.ofString());
    }
}
