package banger.vmm;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmmExitWatcherTest {

    @TempDir
    Path dir;

    private final VmmExitWatcher watcher = new VmmExitWatcher();

    @AfterEach
    void close() {
        watcher.close();
    }

    private ServerSocketChannel serve(String name) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(dir.resolve(name)));
        return server;
    }

    @Test
    void reportsWhenTheServingEndClosesAndNotBefore() throws Exception {
        try (ServerSocketChannel server = serve("a.sock")) {
            CountDownLatch exited = new CountDownLatch(1);
            watcher.watch(dir.resolve("a.sock"), exited::countDown);
            SocketChannel vmmSide = server.accept();
            // a greeting, as QMP sends, is read and ignored
            vmmSide.write(ByteBuffer.wrap("{\"QMP\":{}}\r\n".getBytes(StandardCharsets.UTF_8)));
            assertFalse(exited.await(300, TimeUnit.MILLISECONDS));

            long closedAt = System.nanoTime();
            vmmSide.close();

            assertTrue(exited.await(5, TimeUnit.SECONDS));
            assertTrue(System.nanoTime() - closedAt < TimeUnit.SECONDS.toNanos(1));
        }
    }

    @Test
    void aClosedWatchReportsNothing() throws Exception {
        try (ServerSocketChannel server = serve("b.sock")) {
            CountDownLatch exited = new CountDownLatch(1);
            VmmExitWatcher.Watch watch = watcher.watch(dir.resolve("b.sock"), exited::countDown);
            SocketChannel vmmSide = server.accept();
            watch.close();
            vmmSide.close();
            assertFalse(exited.await(500, TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void aSocketNobodyServesCannotBeWatched() {
        assertThrows(IOException.class, () -> watcher.watch(dir.resolve("none.sock"), () -> { }));
    }
}
