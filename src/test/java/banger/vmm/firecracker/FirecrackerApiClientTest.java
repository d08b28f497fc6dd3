package banger.vmm.firecracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.vmm.VmmException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FirecrackerApiClientTest {

    @TempDir
    Path tmp;

    /** Serves one connection: reads the request head, then writes {@code response} in two pieces. */
    private static CompletableFuture<String> serveOnce(ServerSocketChannel server, String response) {
        return CompletableFuture.supplyAsync(() -> {
            try (SocketChannel c = server.accept()) {
                ByteBuffer buf = ByteBuffer.allocate(4096);
                StringBuilder request = new StringBuilder();
                while (!request.toString().contains("\r\n\r\n") && c.read(buf) > 0) {
                    buf.flip();
                    request.append(StandardCharsets.US_ASCII.decode(buf));
                    buf.clear();
                }
                byte[] bytes = response.getBytes(StandardCharsets.UTF_8);
                int half = bytes.length / 2;
                c.write(ByteBuffer.wrap(bytes, 0, half));
                Thread.sleep(50);
                c.write(ByteBuffer.wrap(bytes, half, bytes.length - half));
                return request.toString();
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void readsAResponseBodyThatArrivesInPiecesByContentLength() throws Exception {
        Path sock = tmp.resolve("api.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            String body = "{\"app_name\":\"Firecracker\",\"id\":\"banger-x\",\"state\":\"Running\",\"vmm_version\":\"1.2.3\"}";
            CompletableFuture<String> request = serveOnce(server,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);

            assertEquals("Running", new FirecrackerApiClient(sock, Duration.ofSeconds(5)).describeInstance().get("state").asText());
            assertTrue(request.get().startsWith("GET / HTTP/1.1\r\n"), request.get());
        }
    }

    @Test
    void errorStatusBecomesAVmmExceptionCarryingFirecrackersFaultMessage() throws Exception {
        Path sock = tmp.resolve("api.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            String body = "{\"fault_message\":\"The requested operation is not supported in the current state\"}";
            serveOnce(server, "HTTP/1.1 400 Bad Request\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);

            VmmException e = assertThrows(VmmException.class, () -> new FirecrackerApiClient(sock, Duration.ofSeconds(5)).sendCtrlAltDel());

            assertTrue(e.getMessage().contains("400") && e.getMessage().contains("not supported in the current state"), e.getMessage());
        }
    }

    @Test
    void aSocketThatNeverAnswersTimesOut() throws Exception {
        Path sock = tmp.resolve("api.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            // bound but never accepting: the connect succeeds through the backlog, no answer ever comes
            server.bind(UnixDomainSocketAddress.of(sock));
            long started = System.nanoTime();

            VmmException e = assertThrows(VmmException.class,
                    () -> new FirecrackerApiClient(sock, Duration.ofMillis(300)).describeInstance());

            long tookMs = (System.nanoTime() - started) / 1_000_000;
            assertTrue(tookMs >= 300 && tookMs < 3000, tookMs + " ms");
            assertTrue(e.getMessage().contains("no answer within 300 ms"), e.getMessage());
        }
    }

    @Test
    void missingSocketFailsAtOnce() {
        assertThrows(VmmException.class, () -> new FirecrackerApiClient(tmp.resolve("none.sock"), Duration.ofSeconds(5)).describeInstance());
    }
}
