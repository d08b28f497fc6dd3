package banger.e2e;

import banger.host.HostCommands;
import banger.host.ProcessHostCommands;
import banger.network.NetnsHostCommands;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A host "beyond the uplink" of the daemon's namespace, to prove guest egress goes through NAT. It is a second
 * network namespace joined to the daemon's by a veth pair on 198.18.0.0/24 (RFC 2544 benchmarking space):
 * {@value #ADDRESS} here, {@value #UPLINK_ADDRESS} on the daemon's side. A server there must see guests'
 * connections come from {@value #UPLINK_ADDRESS}: the daemon's masquerade rule rewrote them on the way out.
 * (A dummy interface in the daemon's own namespace would not do: traffic to a local address is delivered, not
 * forwarded, so postrouting NAT never touches it.)
 *
 * <p>{@link #close()} kills the server and deletes the namespace, which removes the veth pair too.
 */
final class OutsideHost implements AutoCloseable {

    static final String ADDRESS = "198.18.0.1";
    static final String UPLINK_ADDRESS = "198.18.0.2";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final HostCommands host = new ProcessHostCommands();
    private final String namespace;
    private final List<String> served = new ArrayList<>();
    private Process server;

    OutsideHost(DaemonHarness daemon) {
        String suffix = String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
        this.namespace = "bgout-" + suffix;
        HostCommands outside = new NetnsHostCommands(host, namespace);
        HostCommands inside = daemon.namespaceCommands();
        String uplink = "bgoa" + suffix;
        String peer = "bgob" + suffix;
        try {
            host.check(List.of("ip", "netns", "add", namespace), TIMEOUT);
            outside.check(List.of("ip", "link", "set", "lo", "up"), TIMEOUT);
            inside.check(List.of("ip", "link", "add", uplink, "type", "veth", "peer", "name", peer,
                    "netns", namespace), TIMEOUT);
            inside.check(List.of("ip", "addr", "add", UPLINK_ADDRESS + "/24", "dev", uplink), TIMEOUT);
            inside.check(List.of("ip", "link", "set", uplink, "up"), TIMEOUT);
            outside.check(List.of("ip", "addr", "add", ADDRESS + "/24", "dev", peer), TIMEOUT);
            outside.check(List.of("ip", "link", "set", peer, "up"), TIMEOUT);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Starts {@link PeerAddressServer} on {@value #ADDRESS}:{@code port} and waits until it listens. */
    void serve(int port) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> argv = List.of("ip", "netns", "exec", namespace, java.toString(), "-Xmx32m",
                "-XX:TieredStopAtLevel=1", "-cp", ownClasses(), PeerAddressServer.class.getName(), ADDRESS,
                Integer.toString(port));
        try {
            server = new ProcessBuilder(argv).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the peer address server", e);
        }
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        try {
            String first = out.readLine();
            if (!"listening".equals(first)) {
                throw new IllegalStateException("the peer address server did not start: " + first);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread reader = new Thread(() -> {
            try {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    synchronized (served) {
                        served.add(line);
                    }
                }
            } catch (IOException ended) {
                // the server was killed
            }
        }, "peer-address-server-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Runs programs inside this namespace. */
    HostCommands commands() {
        return new NetnsHostCommands(host, namespace);
    }

    /** The lines the server printed for each answered request ("peer A.B.C.D"). */
    List<String> served() {
        synchronized (served) {
            return List.copyOf(served);
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.destroyForcibly();
            try {
                server.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        host.run(List.of("ip", "netns", "delete", namespace), TIMEOUT);
    }

    private static String ownClasses() {
        try {
            return Path.of(PeerAddressServer.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
