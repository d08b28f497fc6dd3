package banger.guest;

import banger.exec.SshGuestExec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import banger.exec.ExecOutput;
import banger.testsupport.InstantVmRuntime;
import banger.testsupport.LocalDaemon;
import banger.vm.VmControl;
import banger.wire.VmView;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exec cannot exhaust the daemon: output is capped (a real dropbear, what guests run, writes 100 MB) and
 * guest commands that hang (a guest that accepts SSH connections and never answers) leave persistence alone
 * (a real control plane on SQLite journals a label change meanwhile).
 */
class ExecBoundsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final long CAP = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static DropbearServer dropbear;
    private static GuestSsh ssh;
    private static ActorTestKit kit;
    private static LocalDaemon daemon;
    private static ServerSocket silentGuest;
    private static final List<Socket> silentConnections = new CopyOnWriteArrayList<>();
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        SshKeys keys = SshKeys.loadOrCreate(dir.resolve("ssh-state"));
        dropbear = new DropbearServer(dir.resolve("dropbear"), keys.publicKeyLine());
        ssh = new GuestSsh(keys.keyPair(), HostKeyPins.ACCEPT_ANY);
        ssh.awaitReady("127.0.0.1", dropbear.port, TIMEOUT);
        silentGuest = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!silentGuest.isClosed()) {
                try {
                    silentConnections.add(silentGuest.accept());
                } catch (IOException e) {
                    return;
                }
            }
        }, "silent-guest");
        acceptor.setDaemon(true);
        acceptor.start();
        Config config = LocalDaemon.config(dir.resolve("state"),
                "banger.exec.max-output-bytes = " + CAP + "\nbanger.exec.threads = 4\nbanger.exec.queue = 200");
        kit = ActorTestKit.create(config);
        daemon = LocalDaemon.start(kit.system(), new InstantVmRuntime(name -> false));
        assertEquals(201, api("POST", "/v1/vms?wait=true", "{\"name\":\"journaled\",\"start\":false}").statusCode());
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon != null) {
            daemon.stop();
            kit.shutdownTestKit();
        }
        if (silentGuest != null) {
            silentGuest.close();
            for (Socket s : silentConnections) {
                s.close();
            }
        }
        if (ssh != null) {
            ssh.close();
        }
        if (dropbear != null) {
            dropbear.close();
        }
    }

    @Test
    void aHundredMegabyteOutputIsTruncatedWhileHangingGuestsLeaveTheJournalFree() throws Exception {
        GuestIoExecutor guestIo = GuestIoExecutor.fromConfig(kit.system().settings().config());
        long cap = kit.system().settings().config().getBytes("banger.exec.max-output-bytes");
        SshGuestExec toDropbear = new SshGuestExec(control(), ssh, guestIo, dropbear.port, cap);
        SshGuestExec toSilentGuest = new SshGuestExec(control(), ssh, guestIo, silentGuest.getLocalPort(), cap);
        try {
            CompletionStage<ExecOutput> big = toDropbear.exec("guest", List.of("head", "-c", "100000000", "/dev/zero"),
                    null, TIMEOUT);
            List<CompletableFuture<ExecOutput>> hanging = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                hanging.add(toSilentGuest.exec("guest", List.of("true"), null, TIMEOUT).toCompletableFuture());
            }
            for (int round = 0; round < 3; round++) {
                long startNanos = System.nanoTime();
                HttpResponse<String> patched = api("PATCH", "/v1/vms/journaled",
                        "{\"labels\":{\"round\":\"" + round + "\"}}");
                long millis = Duration.ofNanos(System.nanoTime() - startNanos).toMillis();
                assertEquals(200, patched.statusCode(), patched.body());
                assertTrue(millis < 1000, "a journaled label change took " + millis + " ms while guest commands hang");
            }
            ExecOutput result = big.toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(result.truncated(), "marked truncated");
            assertEquals(cap, result.stdout().length(), "stdout kept up to the cap");
            assertTrue(JSON.writeValueAsString(result).contains("\"truncated\":true"), JSON.writeValueAsString(result));
            hanging.forEach(h -> h.cancel(true));
        } finally {
            guestIo.close();
        }
    }

    /** A VmControl that knows one running VM, "guest", at 127.0.0.1. */
    private static VmControl control() {
        VmView guest = new VmView("id-guest", "guest", "running", null, "tiny", 1, 256, 512, "127.0.0.1", 1L,
                Map.of(), Instant.EPOCH, Instant.EPOCH);
        return (VmControl) Proxy.newProxyInstance(VmControl.class.getClassLoader(), new Class<?>[] {VmControl.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("get")) {
                        return CompletableFuture.completedFuture(guest);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    private static HttpResponse<String> api(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(daemon.base + path))
                .header("Authorization", "Bearer " + daemon.token)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60))
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
