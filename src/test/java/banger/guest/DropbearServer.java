package banger.guest;

import banger.host.HostCommands;
import banger.host.ProcessHostCommands;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Debian's dropbear (what guests run) on 127.0.0.1 for tests. Root's home is the one place dropbear reads
 * authorized_keys from, so it runs in a private mount namespace with a temp dir bound over /root.
 */
final class DropbearServer implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    final int port;
    private final long pid;
    private final Path dir;

    DropbearServer(Path dir, String authorizedKey) throws IOException {
        this(dir, authorizedKey, null);
    }

    /** @param dropbearHostKey the server's host key in dropbear's format; null makes a new one */
    DropbearServer(Path dir, String authorizedKey, byte[] dropbearHostKey) throws IOException {
        this.dir = dir;
        HostCommands hosts = new ProcessHostCommands();
        Path home = Files.createDirectories(dir.resolve("home"));
        Path ssh = Files.createDirectories(home.resolve(".ssh"));
        Files.writeString(ssh.resolve("authorized_keys"), authorizedKey + "\n");
        Path hostKey = dir.resolve("host_ed25519");
        if (dropbearHostKey == null) {
            hosts.check(List.of("dropbearkey", "-t", "ed25519", "-f", hostKey.toString()), TIMEOUT);
        } else {
            Files.write(hostKey, dropbearHostKey);
        }
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        pid = hosts.startDetached(List.of("unshare", "--mount", "--propagation", "private", "--",
                "sh", "-c", "mount --bind \"$0\" /root && exec dropbear -F -E -s -p \"$1\" -r \"$2\" -P \"$3\"",
                home.toString(), "127.0.0.1:" + port, hostKey.toString(), dir.resolve("dropbear.pid").toString()),
                dir.resolve("dropbear.log"));
        awaitListening();
    }

    /** Tests start talking at once; a server still binding (or one that failed to) would read as a refusal. */
    private void awaitListening() throws IOException {
        long end = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < end) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                if (ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) {
                    throw new IOException("dropbear exited before listening: " + log());
                }
                pause();
            }
        }
        close();
        throw new IOException("dropbear not listening on " + port + " within " + TIMEOUT.toSeconds() + "s: " + log());
    }

    private static void pause() throws IOException {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for dropbear", e);
        }
    }

    String log() throws IOException {
        return Files.readString(dir.resolve("dropbear.log"));
    }

    @Override
    public void close() {
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        process.ifPresent(p -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.onExit().join();
        });
    }
}
