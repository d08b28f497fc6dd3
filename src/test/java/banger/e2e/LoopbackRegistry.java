package banger.e2e;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Debian's docker-registry serving on 127.0.0.1:PORT inside the daemon's network namespace (config, storage and
 * log in a directory of its own), optionally behind htpasswd basic auth; started and stopped by the test. Its
 * access log is how tests count blob downloads.
 */
final class LoopbackRegistry implements AutoCloseable {

    private static final Duration START_WAIT = Duration.ofSeconds(30);

    private final DaemonHarness daemon;
    private final int port;
    private final Path dir;
    private final Path log;
    private final Process process;

    /** @param user null for an open registry, else the one user (with {@code password}) it lets in */
    LoopbackRegistry(DaemonHarness daemon, int port, Path dir, String user, String password) {
        this.daemon = daemon;
        this.port = port;
        this.dir = dir;
        this.log = dir.resolve("registry.log");
        try {
            Files.createDirectories(dir.resolve("data"));
            String auth = "";
            if (user != null) {
                String hash = OpenBSDBCrypt.generate("2b", password.toCharArray(), salt(), 5);
                Files.writeString(dir.resolve("htpasswd"), user + ":" + hash + "\n");
                auth = "auth:\n  htpasswd:\n    realm: banger-test\n    path: " + dir.resolve("htpasswd") + "\n";
            }
            Files.writeString(dir.resolve("config.yml"), "version: 0.1\nlog:\n  level: info\nstorage:\n"
                    + "  filesystem:\n    rootdirectory: " + dir.resolve("data") + "\nhttp:\n  addr: 127.0.0.1:" + port
                    + "\n" + auth, StandardCharsets.UTF_8);
            process = new ProcessBuilder("ip", "netns", "exec", daemon.namespace(), "docker-registry", "serve",
                    dir.resolve("config.yml").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start docker-registry", e);
        }
        DaemonHarness.await("docker-registry on port " + port, START_WAIT, () -> {
            String code = daemon.inNetns(List.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                    "http://127.0.0.1:" + port + "/v2/")).stdout().strip();
            return code.equals("200") || code.equals("401");
        });
    }

    private static byte[] salt() {
        byte[] salt = new byte[16];
        new java.security.SecureRandom().nextBytes(salt);
        return salt;
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    /** Pushes the image {@code tag} of {@code layout} (with --all, so indexes go as manifest lists) to {@code repoTag}. */
    void push(OciLayout layout, String tag, String repoTag, String creds) {
        List<String> argv = new java.util.ArrayList<>(List.of("skopeo", "--insecure-policy", "copy", "--all",
                "--dest-tls-verify=false"));
        if (creds != null) {
            argv.add("--dest-creds");
            argv.add(creds);
        }
        argv.add("oci:" + layout.dir() + ":" + tag);
        argv.add("docker://" + address() + "/" + repoTag);
        daemon.namespaceCommands().check(argv, Duration.ofMinutes(2));
    }

    /** GET requests for the blob {@code digest} the registry has answered so far (its access log). */
    long blobGets(String digest) {
        try {
            return Files.readAllLines(log).stream()
                    .filter(line -> line.contains("\"GET /v2/") && line.contains("/blobs/" + digest + " "))
                    .filter(line -> line.contains("\" 200 ") || line.contains("\" 307 "))
                    .count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
