package banger.vmm.qemu;

import banger.vmm.LogTail;
import banger.vmm.ProcessTable;
import banger.vmm.VmmException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Saves and loads a guest's memory and device state with QEMU's migration over a unix socket the daemon holds the
 * other end of. QEMU 7.2 has no {@code file:} URI, and its seccomp sandbox ({@code spawn=deny}) rules out
 * {@code exec:cat}, so the daemon copies the stream between the socket and the file itself. Blocking; every wait
 * is bounded by the caller's timeout.
 */
final class QemuMigration {

    private static final String SAVE_SOCKET = "migrate-out.sock";
    static final String LOAD_SOCKET = "migrate-in.sock";
    /** Migration is throttled to 32 MiB/s by default; a stopped guest is written as fast as the disk takes it. */
    private static final long MAX_BANDWIDTH = 8L << 30;
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration POLL = Duration.ofMillis(20);
    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "qemu-migration-deadline");
        t.setDaemon(true);
        return t;
    });

    private final ProcessTable processes;

    QemuMigration(ProcessTable processes) {
        this.processes = processes;
    }

    /**
     * Stops the guest's vCPUs (a no-op when paused) and streams its state into {@code target}. The QEMU process is
     * left running, stopped. The socket is owned by {@code runAs}, so a QEMU that dropped to that user can connect
     * and no other unprivileged user can. Returns the bytes written.
     */
    long save(Path qmp, long pid, Optional<String> runAs, Path target, Path log, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        QmpClient.execute(qmp, "stop", QMP_TIMEOUT);
        QmpClient.execute(qmp, "migrate-set-parameters", Map.of("max-bandwidth", MAX_BANDWIDTH), QMP_TIMEOUT);
        try {
            // a QEMU that dropped to its run-as user cannot reach the VM directory (the state dir is private):
            // the socket is in a fresh directory of its own that only that user (and root) may enter
            Path socketDir = Files.createTempDirectory("banger-migrate-");
            Path socket = socketDir.resolve(SAVE_SOCKET);
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(socket));
                if (runAs.isPresent()) {
                    UserPrincipal user = socket.getFileSystem().getUserPrincipalLookupService()
                            .lookupPrincipalByName(runAs.get());
                    Files.setOwner(socketDir, user);
                    Files.setOwner(socket, user);
                }
                QmpClient.execute(qmp, "migrate", Map.of("uri", "unix:" + socket), QMP_TIMEOUT);
                server.configureBlocking(false);
                try (SocketChannel stream = accept(server, qmp, pid, deadline)) {
                    stream.configureBlocking(true);
                    copyToFile(stream, target, deadline);
                }
            } finally {
                Files.deleteIfExists(socket);
                Files.deleteIfExists(socketDir);
            }
            awaitCompleted(qmp, pid, deadline, "saving");
            return Files.size(target);
        } catch (IOException e) {
            throw new VmmException("saving the state of qemu pid " + pid + " failed: " + e.getMessage() + "; "
                    + LogTail.of(log, "(no output)"), e);
        } catch (VmmException e) {
            throw new VmmException(e.getMessage() + "; qemu: " + LogTail.of(log, "(no output)"), e);
        }
    }

    /**
     * Streams {@code source} into a QEMU launched with {@code -incoming} on {@link #LOAD_SOCKET} and waits until it
     * has loaded it; the guest stays stopped until {@code cont}. A QEMU that rejects the state exits: that is
     * reported with its log.
     */
    void load(Path qmp, long pid, Path source, Path log, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Path socket = qmp.resolveSibling(LOAD_SOCKET);
        try (SocketChannel stream = connect(socket, pid, log, deadline);
             FileChannel file = FileChannel.open(source, StandardOpenOption.READ)) {
            ScheduledFuture<?> bound = closeAt(stream, deadline);
            try {
                long size = file.size();
                long sent = 0;
                while (sent < size) {
                    sent += file.transferTo(sent, size - sent, stream);
                }
                stream.shutdownOutput();
            } finally {
                bound.cancel(false);
            }
        } catch (IOException e) {
            throw refused(pid, log, "the state could not be sent: " + e.getMessage());
        }
        awaitCompleted(qmp, pid, deadline, "loading");
        if (!processes.running(pid)) {
            throw refused(pid, log, "it exited after loading");
        }
    }

    private VmmException refused(long pid, Path log, String what) {
        return new VmmException("qemu pid " + pid + " refused the saved state (" + what + "): "
                + LogTail.of(log, "(no output)"));
    }

    private SocketChannel accept(ServerSocketChannel server, Path qmp, long pid, long deadline) throws IOException {
        while (true) {
            SocketChannel stream = server.accept();
            if (stream != null) {
                return stream;
            }
            JsonNode info = QmpClient.execute(qmp, "query-migrate", QMP_TIMEOUT);
            String status = info.path("status").asText("");
            if ("failed".equals(status) || "cancelled".equals(status)) {
                throw new VmmException("qemu pid " + pid + " did not connect to save its state: " + status + " "
                        + info.path("error-desc").asText(""));
            }
            if (System.nanoTime() > deadline) {
                QmpClient.execute(qmp, "migrate_cancel", QMP_TIMEOUT);
                throw new VmmException("qemu pid " + pid + " did not connect to save its state in time");
            }
            sleep();
        }
    }

    private SocketChannel connect(Path socket, long pid, Path log, long deadline) throws IOException {
        while (true) {
            if (Files.exists(socket)) {
                SocketChannel stream = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    stream.connect(UnixDomainSocketAddress.of(socket));
                    return stream;
                } catch (IOException e) {
                    stream.close();
                }
            }
            if (!processes.running(pid)) {
                throw refused(pid, log, "it exited before listening");
            }
            if (System.nanoTime() > deadline) {
                throw refused(pid, log, "it did not listen for the state in time");
            }
            sleep();
        }
    }

    private static void copyToFile(SocketChannel stream, Path target, long deadline) throws IOException {
        ScheduledFuture<?> bound = closeAt(stream, deadline);
        try (FileChannel file = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
            while (stream.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    file.write(buffer);
                }
                buffer.clear();
            }
            file.force(true);
        } finally {
            bound.cancel(false);
        }
    }

    private void awaitCompleted(Path qmp, long pid, long deadline, String what) {
        while (true) {
            JsonNode info;
            try {
                info = QmpClient.execute(qmp, "query-migrate", QMP_TIMEOUT);
            } catch (VmmException e) {
                if (!processes.running(pid)) {
                    throw new VmmException("qemu pid " + pid + " exited while " + what + " its state");
                }
                throw e;
            }
            String status = info.path("status").asText("");
            if ("completed".equals(status)) {
                return;
            }
            if ("failed".equals(status) || "cancelled".equals(status)) {
                throw new VmmException("qemu pid " + pid + ": " + what + " its state " + status + ": "
                        + info.path("error-desc").asText(""));
            }
            if (System.nanoTime() > deadline) {
                throw new VmmException("qemu pid " + pid + ": " + what + " its state did not complete in time ("
                        + status + ")");
            }
            sleep();
        }
    }

    /** Closing the channel is the only way to bound a blocking read or write on it. */
    private static ScheduledFuture<?> closeAt(java.nio.channels.Channel channel, long deadline) {
        long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        return DEADLINES.schedule(() -> {
            try {
                channel.close();
            } catch (IOException ignored) {
                // already closed
            }
        }, left, TimeUnit.MILLISECONDS);
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmmException("interrupted");
        }
    }
}
