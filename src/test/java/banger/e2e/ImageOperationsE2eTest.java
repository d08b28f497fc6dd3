package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import banger.host.ProcessHostCommands;
import banger.image.oci.TestLayers;
import banger.testsupport.TestImages;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Image pulls as operations against a registry that holds layer downloads half-way until the test lets them go
 * ({@link GatedRegistry}): progress in bytes and layers while a pull is in flight, cancel mid-download leaving no
 * image and no blob, two pulls of one digest sharing one download, and a catalog image pulled inside the create
 * operations of two concurrent creates (one pull), the started VM booting and answering exec. A tiny bootstrap is
 * cancelled mid-build, held there by a named pipe standing in for one of its cached packages.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImageOperationsE2eTest {

    private static final Duration TOOL = Duration.ofMinutes(1);
    private static final Duration PULL = Duration.ofMinutes(3);
    /** Named as agents name images (python:3.12): the ':' goes through the pull, the disk paths and the boot. */
    private static final String CATALOG_IMAGE = "cat-bb:1";
    private static final Duration BOOT = Duration.ofMinutes(5);

    private Path work;
    private DaemonHarness daemon;
    private GatedRegistry registry;
    private String pulledLayer;
    private String catalogLayer;

    @BeforeAll
    void setUp() throws IOException {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        work = Files.createTempDirectory("banger-image-ops-e2e-");
        daemon = DaemonHarness.start("image-ops", "banger.images.cache-dir = \"" + work.resolve("cache") + "\"\n"
                + "banger.images.insecure-registries = [\"127.0.0.1\"]\n"
                + "banger.images.catalog { \"" + CATALOG_IMAGE + "\" = \"oci:127.0.0.1:5002/test/catalog:1\" }\n");
        // under the state dir: the harness kills whatever names it if this JVM dies before tearDown
        registry = new GatedRegistry(daemon, 5002, daemon.stateDir().resolve("test-registry-gated"));
        Path busybox = work.resolve("busybox");
        new ProcessHostCommands().check(List.of("debugfs", "-R", "dump /bin/busybox " + busybox,
                TestImages.tiny().rootfs()), TOOL);
        pulledLayer = registry.image("test/pulled", "1", busyboxLayer(Files.readAllBytes(busybox), "pulled\n"));
        catalogLayer = registry.image("test/catalog", "1", busyboxLayer(Files.readAllBytes(busybox), "catalog\n"));
    }

    @AfterAll
    void tearDown() {
        if (registry != null) {
            registry.close();
        }
        if (daemon != null) {
            daemon.close();
        }
        if (work != null) {
            new ProcessHostCommands().run(List.of("rm", "-rf", work.toString()), TOOL);
        }
    }

    private static byte[] busyboxLayer(byte[] busybox, String motd) {
        TestLayers layer = new TestLayers().dir("bin", 0755).file("bin/busybox", busybox, 0755, 0, 0);
        for (String applet : List.of("sh", "cat", "ls", "echo", "test", "hostname")) {
            layer.symlink("bin/" + applet, "busybox");
        }
        return layer.dir("etc", 0755).file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
                .file("etc/group", "root:x:0:\n").file("etc/motd", motd).dir("root", 0700).dir("tmp", 01777).tar();
    }

    private String startPull(String repo, String name) {
        JsonNode op = daemon.expect(202, daemon.post("/v1/images/pull",
                Map.of("ref", registry.address() + "/" + repo, "name", name))).json();
        assertEquals("pull_image", op.path("kind").asText(), op.toString());
        assertEquals(name, op.path("image").asText(), op.toString());
        return op.path("id").asText();
    }

    private JsonNode operation(String id) {
        return daemon.expect(200, daemon.get("/v1/operations/" + id)).json();
    }

    /** Waits until the operation shows progress in {@code phase}; answers that view. */
    private JsonNode awaitPhase(String id, String phase, long minBytes) {
        JsonNode[] seen = {null};
        try {
            DaemonHarness.await("operation " + id + " " + phase, PULL, () -> {
                seen[0] = operation(id);
                JsonNode p = seen[0].path("progress");
                return phase.equals(p.path("phase").asText()) && p.path("bytes_done").asLong() >= minBytes;
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last seen " + seen[0] + "\n" + registry.logTail(), e);
        }
        return seen[0];
    }

    private JsonNode awaitFinished(String id, Duration timeout) {
        JsonNode[] seen = {null};
        try {
            DaemonHarness.await("operation " + id + " to finish", timeout, () -> {
                seen[0] = operation(id);
                return !List.of("pending", "running").contains(seen[0].path("state").asText());
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last seen " + seen[0] + "\n" + daemon.logTail(), e);
        }
        return seen[0];
    }

    private List<String> imageNames() {
        List<String> names = new ArrayList<>();
        daemon.expect(200, daemon.get("/v1/images")).json().path("images").forEach(i -> names.add(i.path("name").asText()));
        return names;
    }

    private String debugfs(String image, String request) {
        return new ProcessHostCommands().run(List.of("debugfs", "-R", request,
                daemon.stateDir().resolve("images").resolve(image).resolve("rootfs.ext4").toString()), TOOL).stdout();
    }

    private List<String> cacheFilesNamed(String digest) throws IOException {
        Path blobs = work.resolve("cache/blobs/sha256");
        if (!Files.isDirectory(blobs)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(blobs)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.contains(digest.substring(7))).toList();
        }
    }

    @Test
    @Order(1)
    void aPullShowsItsProgressAndCancellingItMidDownloadLeavesNoImageAndNoBlob() throws IOException {
        String id = startPull("test/pulled:1", "cancelled");
        JsonNode inFlight = awaitPhase(id, "downloading", 1);
        JsonNode progress = inFlight.path("progress");
        assertEquals("running", inFlight.path("state").asText(), inFlight.toString());
        assertTrue(progress.path("bytes_total").asLong() > progress.path("bytes_done").asLong(), inFlight.toString());
        assertEquals(0, progress.path("layers_done").asInt(), inFlight.toString());
        assertEquals(1, progress.path("layers_total").asInt(), inFlight.toString());

        JsonNode cancelled = daemon.expect(200, daemon.delete("/v1/operations/" + id)).json();
        assertEquals("cancelled", cancelled.path("state").asText(), cancelled.toString());
        assertEquals("cancelled", operation(id).path("state").asText());
        assertFalse(imageNames().contains("cancelled"));
        assertFalse(Files.exists(daemon.stateDir().resolve("images/cancelled")));
        assertEquals(List.of(), cacheFilesNamed(pulledLayer), "no blob, whole or partial, of the cancelled download");
        assertEquals("cancelled", daemon.expect(200, daemon.delete("/v1/operations/" + id)).json().path("state")
                .asText(), "a cancelled operation stays cancelled");
    }

    @Test
    @Order(2)
    void twoConcurrentPullsOfOneDigestShareOneDownload() throws IOException {
        long before = registry.blobGets(pulledLayer);
        String first = startPull("test/pulled:1", "first");
        String second = startPull("test/pulled:1", "second");
        awaitPhase(first, "downloading", 1);
        awaitPhase(second, "downloading", 0);
        registry.open("test/pulled");

        for (String id : List.of(first, second)) {
            JsonNode done = awaitFinished(id, PULL);
            assertEquals("succeeded", done.path("state").asText(), done + "\n" + registry.logTail());
        }
        assertEquals(before + 1, registry.blobGets(pulledLayer), registry.logTail());
        assertEquals("pulled\n", debugfs("second", "cat /etc/motd"));
        assertEquals(List.of(pulledLayer.substring(7)), cacheFilesNamed(pulledLayer));

        JsonNode third = daemon.expect(201, daemon.post("/v1/images/pull?wait=true",
                Map.of("ref", registry.address() + "/test/pulled:1", "name", "third"))).json();
        assertEquals("third", third.path("name").asText(), third.toString());
        assertEquals(before + 1, registry.blobGets(pulledLayer), "served from the cache: " + registry.logTail());
    }

    @Test
    @Order(3)
    void concurrentCreatesOfACatalogImagePullItOnceAndOneCancelledWhileItWaitsEndsAtOnceWithNoVm() {
        assertFalse(imageNames().contains(CATALOG_IMAGE));
        JsonNode booted = daemon.expect(202, daemon.post("/v1/vms",
                Map.of("name", "cat1", "image", CATALOG_IMAGE, "start", true))).json();
        JsonNode created = daemon.expect(202, daemon.post("/v1/vms",
                Map.of("name", "cat2", "image", CATALOG_IMAGE, "start", false))).json();
        JsonNode abandoned = daemon.expect(202, daemon.post("/v1/vms",
                Map.of("name", "cat3", "image", CATALOG_IMAGE, "start", true))).json();
        assertEquals("create_vm", booted.path("kind").asText(), booted.toString());

        JsonNode waiting = awaitPhase(booted.path("id").asText(), "downloading", 1);
        assertEquals("pending", waiting.path("state").asText(), waiting.toString());
        awaitPhase(created.path("id").asText(), "downloading", 0);
        String abandonedId = abandoned.path("id").asText();
        awaitPhase(abandonedId, "downloading", 0);

        // the registry still holds the layer: the cancel cannot wait for the pull to end
        long cancelAt = System.nanoTime();
        ApiResponse cancelled = daemon.expect(200, daemon.delete("/v1/operations/" + abandonedId));
        System.out.printf("image-ops: a create waiting on its catalog image cancelled in %d ms%n",
                (System.nanoTime() - cancelAt) / 1_000_000);
        assertEquals("cancelled", cancelled.json().path("state").asText(), cancelled.toString());
        assertEquals(404, daemon.get("/v1/vms/cat3").status(), "no VM for the cancelled create");
        assertEquals("pending", operation(booted.path("id").asText()).path("state").asText(),
                "the other creates still wait on the pull");
        registry.open("test/catalog");

        JsonNode bootedDone = awaitFinished(booted.path("id").asText(), BOOT);
        assertEquals("succeeded", bootedDone.path("state").asText(), bootedDone + "\n" + daemon.logTail());
        JsonNode createdDone = awaitFinished(created.path("id").asText(), BOOT);
        assertEquals("succeeded", createdDone.path("state").asText(), createdDone.toString());
        assertEquals("created", daemon.get("/v1/vms/cat2").json().path("state").asText());

        assertEquals(1, registry.blobGets(catalogLayer), registry.logTail());
        List<JsonNode> pulls = new ArrayList<>();
        daemon.expect(200, daemon.get("/v1/operations")).json().path("operations").forEach(op -> {
            if (CATALOG_IMAGE.equals(op.path("image").asText())) {
                pulls.add(op);
            }
        });
        assertEquals(1, pulls.size(), pulls.toString());
        assertEquals("pull_image", pulls.get(0).path("kind").asText());

        assertEquals(404, daemon.get("/v1/vms/cat3").status(), "the pull's end made no VM for the cancelled create");
        assertEquals("cancelled", operation(abandonedId).path("state").asText());

        JsonNode motd = daemon.exec("cat1", "cat", "/etc/motd");
        assertEquals(0, motd.path("exit_code").asInt(), motd.toString());
        assertEquals("catalog\n", motd.path("stdout").asText());
        daemon.deleteVm("cat1");
        daemon.deleteVm("cat2");
    }

    /**
     * The build reads its packages from the daemon's cache; with one of them (dropbear, unpacked after the kernel
     * and busybox) replaced by a named pipe, the build blocks in {@code dpkg-deb} opening it, holding a half-built
     * work directory, until it is cancelled: the real build, caught mid-way however fast the machine is.
     */
    @Test
    @Order(4)
    void aBootstrapCancelledMidBuildLeavesNoImageAndNoFilesAndTheSameNameBuildsAfterwards() throws Exception {
        Path packages = work.resolve("cache/debian");
        Path deb;
        try (Stream<Path> debs = Files.list(packages)) {
            deb = debs.filter(p -> p.getFileName().toString().startsWith("dropbear-bin_")).findFirst()
                    .orElseThrow(() -> new AssertionError("no dropbear-bin .deb seeded in " + packages));
        }
        Path real = work.resolve(deb.getFileName());
        Files.move(deb, real);
        new ProcessHostCommands().check(List.of("mkfifo", deb.toString()), TOOL);
        Path images = daemon.stateDir().resolve("images");
        List<String> entriesBefore = entries(images);
        try {
            JsonNode op = daemon.expect(202, daemon.post("/v1/images/bootstrap",
                    Map.of("preset", "tiny", "name", "halfway"))).json();
            String id = op.path("id").asText();
            assertEquals("bootstrap_image", op.path("kind").asText(), op.toString());
            DaemonHarness.await("the bootstrap blocked reading " + deb, BOOT, () -> {
                JsonNode now = operation(id);
                if (!List.of("pending", "running").contains(now.path("state").asText())) {
                    throw new AssertionError("the bootstrap ended before reaching the pipe: " + now);
                }
                return !HostProcesses.matching(deb.toString()).isEmpty();
            });
            List<Path> workDirs = buildDirs(images, "halfway");
            assertEquals(1, workDirs.size(), "one work directory while it builds: " + workDirs);
            assertTrue(Files.exists(workDirs.get(0).resolve("busybox/bin/busybox")),
                    "caught mid-way: busybox unpacked already in " + workDirs.get(0));
            assertEquals("running", operation(id).path("state").asText());

            JsonNode cancelled = daemon.expect(200, daemon.delete("/v1/operations/" + id)).json();
            assertEquals("cancelled", cancelled.path("state").asText(), cancelled.toString());
            JsonNode ended = awaitFinished(id, PULL);
            assertEquals("cancelled", ended.path("state").asText(), ended + "\n" + daemon.logTail());
            assertFalse(imageNames().contains("halfway"), "no image registered: " + imageNames());
            DaemonHarness.await("the work directory removed and dpkg-deb gone", PULL,
                    () -> buildDirs(images, "halfway").isEmpty() && HostProcesses.matching(deb.toString()).isEmpty());
            assertFalse(Files.exists(images.resolve("halfway")), "no image directory for the cancelled build");
            assertEquals(entriesBefore, entries(images), "nothing of the build left under " + images);
        } finally {
            Files.delete(deb);
            Files.move(real, deb);
        }

        JsonNode built = daemon.expect(201, daemon.post("/v1/images/bootstrap?wait=true",
                Map.of("preset", "tiny", "name", "halfway"))).json();
        assertEquals("halfway", built.path("name").asText(), built.toString());
        assertTrue(imageNames().contains("halfway"), imageNames().toString());
        assertTrue(Files.isRegularFile(images.resolve("halfway/rootfs.ext4")), "the rebuilt image is complete");
        assertEquals(List.of(), buildDirs(images, "halfway"), "its work directory removed after it finished");
    }

    /** The scratch directories of builds of {@code name} ({@code .NAME.build-*}). */
    private static List<Path> buildDirs(Path images, String name) {
        if (!Files.isDirectory(images)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(images)) {
            return entries.filter(p -> p.getFileName().toString().startsWith("." + name + ".build-")).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The names in the images directory, sorted. */
    private static List<String> entries(Path images) throws IOException {
        if (!Files.isDirectory(images)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(images)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
