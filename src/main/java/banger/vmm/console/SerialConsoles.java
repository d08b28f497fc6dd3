package banger.vmm.console;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies each VM's serial console from the VMM's console socket ({@value #SOCKET_NAME} in the VM directory,
 * where QEMU listens) into a capped, rotating {@code console.log}. The VMM drops output while no copier is
 * connected (a daemon restart), so a guest never blocks on its console. One daemon thread per console; a
 * copier ends when the VMM closes the socket. {@link #reattachEvery} finds the consoles of VMMs that outlived
 * a daemon restart, and caps the {@code console.log} of VMMs that write it themselves (Firecracker: its serial
 * port is its stdout, appended to the file) by rotating it in place once it passed the cap, so such a log
 * passes {@code maxBytes} only by what the guest prints within one sweep interval. Thread-safe.
 */
public final class SerialConsoles implements AutoCloseable {

    public static final String SOCKET_NAME = "console.sock";
    public static final String LOG_NAME = "console.log";

    private static final Logger log = LoggerFactory.getLogger(SerialConsoles.class);
    private static final int BUFFER = 64 * 1024;

    private final ConsoleLimits limits;
    private final Map<Path, SocketChannel> attached = new ConcurrentHashMap<>();
    private ScheduledExecutorService sweeper;
    private volatile boolean closed;

    public SerialConsoles(ConsoleLimits limits) {
        this.limits = limits;
    }

    public ConsoleLimits limits() {
        return limits;
    }

    /**
     * Starts copying {@code socket} into {@code logFile} unless a copier already does. False when the socket
     * does not accept a connection (no VMM listens on it).
     */
    public boolean attach(Path socket, Path logFile) {
        if (closed || attached.containsKey(socket)) {
            return attached.containsKey(socket);
        }
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return false;
        }
        if (attached.putIfAbsent(socket, channel) != null) {
            closeQuietly(channel);
            return true;
        }
        Thread copier = new Thread(() -> copy(socket, channel, logFile), "banger-console-" + socket.getParent().getFileName());
        copier.setDaemon(true);
        copier.start();
        return true;
    }

    /** Every {@code interval}, attaches to the console socket of each directory under {@code vmsDir}. */
    public synchronized void reattachEvery(Path vmsDir, Duration interval) {
        if (sweeper != null) {
            throw new IllegalStateException("already sweeping");
        }
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "banger-console-sweeper");
            thread.setDaemon(true);
            return thread;
        });
        sweeper.scheduleWithFixedDelay(() -> sweep(vmsDir), 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Attaches to every VM directory's console socket that is not attached yet. */
    void sweep(Path vmsDir) {
        if (!Files.isDirectory(vmsDir)) {
            return;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(vmsDir)) {
            for (Path dir : dirs) {
                Path socket = dir.resolve(SOCKET_NAME);
                if (attached.containsKey(socket)) {
                    continue;
                }
                if (Files.exists(socket) && attach(socket, dir.resolve(LOG_NAME))) {
                    log.info("console of {} reattached", dir.getFileName());
                } else if (RotatingLog.capInPlace(dir.resolve(LOG_NAME), limits)) {
                    log.debug("console log of {} passed {} bytes: rotated in place", dir.getFileName(),
                            limits.maxBytes());
                }
            }
        } catch (IOException | RuntimeException e) {
            log.warn("console sweep of {} failed: {}", vmsDir, e.getMessage());
        }
    }

    /** True while a copier reads {@code socket}. */
    public boolean attached(Path socket) {
        return attached.containsKey(socket);
    }

    private void copy(Path socket, SocketChannel channel, Path logFile) {
        try (channel; RotatingLog out = new RotatingLog(logFile, limits)) {
            ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
            while (channel.read(buffer) >= 0) {
                out.append(buffer.array(), 0, buffer.position());
                buffer.clear();
            }
        } catch (IOException e) {
            if (!closed) {
                log.debug("console copy from {} ended: {}", socket, e.getMessage());
            }
        } finally {
            attached.remove(socket, channel);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        attached.values().forEach(SerialConsoles::closeQuietly);
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing only to stop the copier
        }
    }
}
