package banger.e2e;

import banger.image.oci.TestLayers;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A registry on 127.0.0.1:PORT inside the daemon's namespace (gated-registry.py) whose layer downloads stop after
 * their first 64 KiB until the test opens the repository's gate: a pull stays in flight for as long as the test
 * needs, to watch its progress, cancel it, or have a second pull meet it. Its request log counts downloads.
 */
final class GatedRegistry implements AutoCloseable {

    private static final Duration START_WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int port;
    private final Path dir;
    private final Path log;
    private final OciLayout layout;
    private final Map<String, String> tags = new LinkedHashMap<>();
    private final List<String> gated = new ArrayList<>();
    private final Process process;

    GatedRegistry(DaemonHarness daemon, int port, Path dir) {
        this.port = port;
        this.dir = dir;
        this.log = dir.resolve("requests.log");
        try {
            Files.createDirectories(dir.resolve("gates"));
            layout = new OciLayout(dir.resolve("layout"));
            writeIndexes();
            Path script = dir.resolve("gated-registry.py");
            try (InputStream in = GatedRegistry.class.getResourceAsStream("/banger/e2e/gated-registry.py")) {
                Files.copy(in, script);
            }
            Files.createFile(log);
            process = new ProcessBuilder("ip", "netns", "exec", daemon.namespace(), "python3", script.toString(),
                    String.valueOf(port), layout.dir().toString(), dir.resolve("gates").toString(), log.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stderr.log").toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the gated registry", e);
        }
        DaemonHarness.await("gated registry on port " + port, START_WAIT, () -> daemon.inNetns(List.of("curl", "-s",
                "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:" + port + "/v2/")).stdout().strip()
                .equals("200"));
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    /** Serves a one-layer image (gzip) as {@code repo:tag}, its layer gated; answers the layer's digest. */
    String image(String repo, String tag, byte[] layerTar) {
        OciLayout.Descriptor manifest = layout.image("amd64", List.of(new OciLayout.Layer(layerTar,
                TestLayers.Compression.GZIP)));
        try {
            String layer = JSON.readTree(layout.dir().resolve("blobs/sha256").resolve(manifest.digest().substring(7))
                    .toFile()).path("layers").get(0).path("digest").asText();
            tags.put(repo + ":" + tag, manifest.digest());
            gated.add(layer);
            writeIndexes();
            return layer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lets the held and all later downloads of {@code repo}'s layers complete. */
    void open(String repo) {
        try {
            Files.writeString(dir.resolve("gates").resolve(repo.replace('/', '_')), "open\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** GET requests for the blob {@code digest} so far. */
    long blobGets(String digest) {
        try {
            return Files.readAllLines(log).stream().filter(l -> l.startsWith("GET ") && l.contains("/blobs/" + digest + " "))
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

    private void writeIndexes() throws IOException {
        Files.write(layout.dir().resolve("tags.json"), JSON.writeValueAsBytes(tags));
        Files.write(layout.dir().resolve("gated.json"), JSON.writeValueAsBytes(gated));
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
