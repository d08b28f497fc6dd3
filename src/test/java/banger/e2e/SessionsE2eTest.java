package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.cli.BangerCli;
import banger.cli.CliEnvironment;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import picocli.CommandLine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Guest sessions on one real tiny guest: I/O, follow streams, exit codes, WebSocket attach, a daemon SIGKILL in
 * the middle, many sessions at once, and the VM's stop ending them as lost (last, since it stops the guest).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SessionsE2eTest extends TinyDaemonE2eTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Pattern PTS = Pattern.compile("/dev/pts/\\d+");

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private E2eVm vm;

    SessionsE2eTest() {
        super("sessions");
    }

    @BeforeAll
    void bootGuest() {
        vm = daemon.createVm("sess", true);
    }

    @Test
    @Order(1)
    void catSessionEchoesWhatInputSendsAndReportsItsExitOnEof() {
        JsonNode s = start(Map.of("argv", List.of("cat"), "name", "echo"));
        assertEquals("running", s.path("state").asText());
        String id = s.path("id").asText();
        input(id, "hello session\n", false);
        DaemonHarness.await("cat echoes its input", WAIT, () -> output(id, 0).text().equals("hello session\n"));
        input(id, "bye\n", true);
        JsonNode ended = awaitState(id, "exited");
        assertEquals(0, ended.path("exit_code").asInt());
        assertEquals(18, ended.path("output_bytes").asLong());
        assertEquals(409, daemon.send("POST", sessionPath(id) + "/input", "{}", true).status(),
                "input to an exited session");
        assertTrue(daemon.historyTypes(vm.id()).containsAll(List.of("SessionStarted", "SessionExited")));
        // the name finds it as well as the id
        assertEquals(id, daemon.expect(200, daemon.get(sessionsPath() + "/echo")).json().path("id").asText());
        remove(id);
    }

    @Test
    @Order(2)
    void followStreamsOutputWhileItRunsAndEndsWhenTheSessionExits() throws Exception {
        String id = start(Map.of("argv", List.of("sh", "-c", "for i in 1 2 3; do echo tick $i; sleep 1; done; exit 3")))
                .path("id").asText();
        HttpResponse<InputStream> follow = http.send(request(sessionPath(id) + "/output?offset=0&follow=true").GET()
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, follow.statusCode());
        assertEquals("0", follow.headers().firstValue("Banger-Output-Offset").orElseThrow());
        String body;
        try (InputStream in = follow.body()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals("tick 1\ntick 2\ntick 3\n", body);
        JsonNode ended = awaitState(id, "exited");
        assertEquals(3, ended.path("exit_code").asInt());
        // a read from an offset starts there
        Output tail = output(id, 7);
        assertEquals(7, tail.offset());
        assertEquals("tick 2\ntick 3\n", tail.text());
        remove(id);
    }

    @Test
    @Order(3)
    void webSocketAttachCarriesStdinAndOutputBothWays() throws Exception {
        String id = start(Map.of("argv", List.of("cat"))).path("id").asText();
        StringBuilder received = new StringBuilder();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        WebSocket socket = attach(id, received, closed);
        socket.sendBinary(ByteBuffer.wrap("ping over ws\n".getBytes(StandardCharsets.UTF_8)), true)
                .get(10, TimeUnit.SECONDS);
        DaemonHarness.await("the attached client sees its input echoed", WAIT, () -> {
            synchronized (received) {
                return received.toString().equals("ping over ws\n");
            }
        });
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "detach").get(10, TimeUnit.SECONDS);
        closed.get(30, TimeUnit.SECONDS);
        // detaching leaves the session running; what the socket sent reached its stdin
        assertEquals("running", session(id).path("state").asText());
        assertEquals("ping over ws\n", output(id, 0).text());
        remove(id);
    }

    @Test
    @Order(4)
    void ttySessionRunsOnAnEightyByTwentyFourTerminalThatAnAttachedClientResizes() throws Exception {
        String id = start(Map.of("argv", List.of("sh", "-c", "stty size; tty; read go; stty size"), "tty", true))
                .path("id").asText();
        DaemonHarness.await("the tty session prints its terminal", WAIT,
                () -> PTS.matcher(output(id, 0).text()).find());
        String before = output(id, 0).text();
        Matcher pts = PTS.matcher(before);
        assertTrue(pts.find());
        assertTrue(before.startsWith("24 80"), "with no client attached the terminal is 80x24: " + before);
        StringBuilder received = new StringBuilder();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        WebSocket socket = attach(id, received, closed);
        socket.sendText("{\"resize\":{\"cols\":111,\"rows\":33}}", true).get(10, TimeUnit.SECONDS);
        DaemonHarness.await("the session's terminal takes the size the client sent", WAIT,
                () -> daemon.exec(vm.id(), "stty", "-F", pts.group(), "size").path("stdout").asText().strip()
                        .equals("33 111"));
        socket.sendBinary(ByteBuffer.wrap("go\n".getBytes(StandardCharsets.UTF_8)), true).get(10, TimeUnit.SECONDS);
        JsonNode ended = awaitState(id, "exited");
        assertEquals(0, ended.path("exit_code").asInt(), ended.toString());
        String text = output(id, 0).text();
        assertTrue(text.contains("33 111"), "the program saw its terminal's new size: " + text);
        DaemonHarness.await("the attached client saw the same", WAIT, () -> {
            synchronized (received) {
                return received.toString().contains("33 111");
            }
        });
        closed.get(30, TimeUnit.SECONDS);
        remove(id);
    }

    @Test
    @Order(5)
    void twentySessionsRunAtOnceOnOneVm() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<Future<JsonNode>> starts = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int n = i;
                starts.add(pool.submit(() -> start(Map.of("argv", List.of("sh", "-c", "echo session " + n + "; exec sleep 600")))));
            }
            List<String> ids = new ArrayList<>();
            for (Future<JsonNode> f : starts) {
                ids.add(f.get(5, TimeUnit.MINUTES).path("id").asText());
            }
            JsonNode list = daemon.expect(200, daemon.get(sessionsPath())).json().path("sessions");
            int running = 0;
            for (JsonNode s : list) {
                if (ids.contains(s.path("id").asText()) && s.path("state").asText().equals("running")) {
                    running++;
                }
            }
            assertEquals(20, running);
            for (int i = 0; i < 20; i++) {
                String id = ids.get(i);
                String expected = "session " + i + "\n";
                DaemonHarness.await("session " + i + "'s output", WAIT, () -> output(id, 0).text().equals(expected));
            }
            List<Future<?>> removals = new ArrayList<>();
            for (String id : ids) {
                removals.add(pool.submit(() -> remove(id)));
            }
            for (Future<?> f : removals) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, daemon.expect(200, daemon.get(sessionsPath())).json().path("sessions").size());
    }

    @Test
    @Order(6)
    void sessionsOutliveADaemonSigkillWithContinuousOutputAndExitsSeenAfterwards() {
        String counter = start(Map.of("argv", List.of("sh", "-c",
                "i=0; while :; do echo $i; i=$((i+1)); sleep 0.2; done"))).path("id").asText();
        DaemonHarness.await("the counter counts", WAIT, () -> output(counter, 0).text().split("\n").length >= 5);
        // the marker repeats for a while: the console socket drops what is printed before the test connects,
        // and on a loaded host the kill can take longer than the sleep
        String shortLived = start(Map.of("argv", List.of("sh", "-c",
                "sleep 6; (for i in $(seq 120); do echo ended-while-daemon-down > /dev/console; sleep 1; done)"
                        + " </dev/null >/dev/null 2>&1 & exit 4"))).path("id").asText();
        Output before = output(counter, 0);

        daemon.killDaemon();
        try {
            // with the daemon down nobody copies the serial console into console.log: read its socket directly
            awaitOnSerialConsole("ended-while-daemon-down");
        } finally {
            daemon.startDaemon();
        }

        JsonNode ended = awaitState(shortLived, "exited");
        assertEquals(4, ended.path("exit_code").asInt());
        assertEquals("running", session(counter).path("state").asText());
        long resumeAt = before.offset() + before.bytes().length;
        DaemonHarness.await("the counter goes on after the restart", WAIT,
                () -> output(counter, resumeAt).text().split("\n").length >= 5);
        Output after = output(counter, resumeAt);
        assertEquals(resumeAt, after.offset());
        List<Long> numbers = new ArrayList<>();
        for (String line : (before.text() + after.text()).split("\n")) {
            numbers.add(Long.parseLong(line));
        }
        for (int i = 0; i < numbers.size(); i++) {
            assertEquals(i, numbers.get(i), "no gap and no repeat across the restart: " + numbers);
        }
        assertTrue(daemon.historyTypes(vm.id()).contains("SessionExited"));
        remove(counter);
        remove(shortLived);
    }

    @Test
    @Order(7)
    void vmRunWithRmExitsWithTheCommandsExitCodeAndLeavesNoVm() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = BangerCli.commandLine(new CliEnvironment(
                Map.of("BANGER_URL", daemon.uri("/").toString(), "BANGER_TOKEN", daemon.token()),
                new ByteArrayInputStream(new byte[0]), argv -> 0, options -> {
                }, Clock.systemUTC()));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute("vm", "run", "--rm", "--", "sh", "-c", "echo from-run; exit 7");
        assertEquals(7, exit, "stderr: " + err);
        assertEquals("from-run\n", out.toString());
        assertEquals(List.of("sess"), daemon.listVms().stream().map(E2eVm::name).toList(),
                "only the class's own VM is left");
    }

    @Test
    @Order(7)
    void vmRunWithAWorkspaceRunsTheCommandInTheImportedWorkTree() throws Exception {
        java.nio.file.Path repo = Files.createTempDirectory("banger-run-ws");
        git(repo, "init", "-q");
        Files.writeString(repo.resolve("hello.txt"), "hello from the host\n");
        git(repo, "add", "hello.txt");
        git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "one");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = BangerCli.commandLine(new CliEnvironment(
                Map.of("BANGER_URL", daemon.uri("/").toString(), "BANGER_TOKEN", daemon.token()),
                new ByteArrayInputStream(new byte[0]), argv -> 0, options -> {
                }, Clock.systemUTC()));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute("vm", "run", "--rm", "--workspace", repo.toString(), "--",
                "sh", "-c", "pwd; cat hello.txt");
        assertEquals(0, exit, "stderr: " + err);
        assertEquals("/root/" + repo.getFileName() + "\nhello from the host\n", out.toString());
        assertEquals(List.of("sess"), daemon.listVms().stream().map(E2eVm::name).toList(),
                "only the class's own VM is left");
    }

    private static void git(java.nio.file.Path repo, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("git", "-C", repo.toString()));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "git " + argv + ": " + output);
    }

    @Test
    @Order(8)
    void stoppingTheVmIsNotDelayedByAStreamingSessionAndMarksItsSessionsLost() throws Exception {
        String chatty = start(Map.of("argv", List.of("sh", "-c", "i=0; while :; do echo line $i; i=$((i+1)); done")))
                .path("id").asText();
        HttpResponse<InputStream> follow = http.send(request(sessionPath(chatty) + "/output?follow=true").GET()
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        CompletableFuture<Long> streamed = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = follow.body()) {
                return in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                return -1L;
            }
        });
        DaemonHarness.await("the follow stream carries output", WAIT, () -> session(chatty).path("output_bytes").asLong() > 10_000);
        long started = System.nanoTime();
        E2eVm stopped = daemon.action(vm.id(), "stop");
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertEquals("stopped", stopped.state());
        // the e2e daemon kills a guest that is not down within 20 s: a stop that waited on the stream would show it
        assertTrue(took.compareTo(Duration.ofSeconds(20)) < 0, "stop took " + took);
        streamed.get(60, TimeUnit.SECONDS);
        JsonNode lost = awaitState(chatty, "lost");
        assertTrue(lost.path("reason").asText().contains("stopped"), lost.toString());
        assertTrue(daemon.historyTypes(vm.id()).contains("SessionLost"));
        assertEquals(409, daemon.send("POST", sessionsPath(), "{\"argv\":[\"true\"]}", true).status(),
                "no sessions on a stopped VM");
    }

    // ---- helpers

    private String sessionsPath() {
        return "/v1/vms/" + vm.id() + "/sessions";
    }

    private String sessionPath(String id) {
        return sessionsPath() + "/" + id;
    }

    private JsonNode start(Map<String, Object> body) {
        return daemon.expect(201, daemon.post(sessionsPath(), body)).json();
    }

    private JsonNode session(String id) {
        return daemon.expect(200, daemon.get(sessionPath(id))).json();
    }

    private void remove(String id) {
        daemon.expect(200, daemon.delete(sessionPath(id)));
    }

    /** A WebSocket attached to the session from offset 0; the output it receives is appended to {@code received}. */
    private WebSocket attach(String id, StringBuilder received, CompletableFuture<Void> closed) throws Exception {
        URI uri = URI.create(daemon.uri(sessionPath(id) + "/attach?offset=0").toString().replaceFirst("^http", "ws"));
        return http.newWebSocketBuilder().header("Authorization", "Bearer " + daemon.token())
                .buildAsync(uri, new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                        byte[] bytes = new byte[data.remaining()];
                        data.get(bytes);
                        synchronized (received) {
                            received.append(new String(bytes, StandardCharsets.UTF_8));
                        }
                        ws.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
                        closed.complete(null);
                        return null;
                    }
                }).get(30, TimeUnit.SECONDS);
    }

    private JsonNode awaitState(String id, String state) {
        JsonNode[] last = new JsonNode[1];
        DaemonHarness.await("session " + id + " is " + state, WAIT, () -> {
            last[0] = session(id);
            return last[0].path("state").asText().equals(state);
        });
        return last[0];
    }

    /** Reads the VM's serial console socket (free while the daemon is down) until {@code marker} shows. */
    private void awaitOnSerialConsole(String marker) {
        java.nio.file.Path socket = daemon.vmDir(vm.id()).resolve("console.sock");
        StringBuilder seen = new StringBuilder();
        long deadline = System.nanoTime() + WAIT.toNanos();
        try (java.nio.channels.SocketChannel channel = java.nio.channels.SocketChannel.open(
                java.net.StandardProtocolFamily.UNIX)) {
            channel.connect(java.net.UnixDomainSocketAddress.of(socket));
            channel.configureBlocking(false);
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            try (java.nio.channels.Selector selector = java.nio.channels.Selector.open()) {
                channel.register(selector, java.nio.channels.SelectionKey.OP_READ);
                while (seen.indexOf(marker) < 0) {
                    long left = (deadline - System.nanoTime()) / 1_000_000;
                    assertTrue(left > 0, "the guest never printed " + marker + " on its console; saw: " + seen);
                    selector.select(left);
                    selector.selectedKeys().clear();
                    buffer.clear();
                    int n = channel.read(buffer);
                    assertTrue(n >= 0, "the console socket closed before " + marker + "; saw: " + seen);
                    seen.append(new String(buffer.array(), 0, n, StandardCharsets.ISO_8859_1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(daemon.uri(path)).timeout(Duration.ofMinutes(2))
                .header("Authorization", "Bearer " + daemon.token());
    }

    private void input(String id, String text, boolean eof) {
        try {
            HttpResponse<String> r = http.send(request(sessionPath(id) + "/input?eof=" + eof)
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofString(text)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private record Output(long offset, byte[] bytes) {
        String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private Output output(String id, long offset) {
        try {
            HttpResponse<byte[]> r = http.send(request(sessionPath(id) + "/output?offset=" + offset).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
            return new Output(Long.parseLong(r.headers().firstValue("Banger-Output-Offset").orElseThrow()), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
