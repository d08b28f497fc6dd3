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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Pulling from real registries: Debian's docker-registry on loopback inside the daemon's namespace (one open,
 * one behind htpasswd basic auth), images written by this test as OCI layouts and pushed with skopeo. A bare
 * busybox image (no init, no SSH server) boots with the guest kit and answers exec; layers in all three
 * compressions flatten with whiteouts and opaque directories; a manifest list resolves to linux/amd64; a blob
 * shared by several pulls is downloaded once; bad references, digests and layers are refused with nothing
 * registered or written outside; an image in use is not removed, an unused one goes with its files.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OciPullE2eTest {

    private static final Duration TOOL = Duration.ofMinutes(1);

    private Path work;
    private DaemonHarness daemon;
    private LoopbackRegistry open;
    private LoopbackRegistry secured;
    private OciLayout.Descriptor busyboxImage;
    private String busyboxLayer;

    @BeforeAll
    void setUp() throws IOException {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        work = Files.createTempDirectory("banger-oci-e2e-");
        Path auth = work.resolve("auth.json");
        Files.writeString(auth, "{\"auths\":{\"127.0.0.1:5001\":{\"username\":\"alice\",\"password\":\"s3cret\"}}}");
        daemon = DaemonHarness.start("oci-pull", "banger.images.cache-dir = \"" + work.resolve("cache") + "\"\n"
                + "banger.images.insecure-registries = [\"127.0.0.1\"]\n"
                + "banger.images.registry-auth-file = \"" + auth + "\"\n");
        // under the state dir: the harness kills whatever names it if this JVM dies before tearDown
        open = new LoopbackRegistry(daemon, 5000, daemon.stateDir().resolve("test-registry-open"), null, null);
        secured = new LoopbackRegistry(daemon, 5001, daemon.stateDir().resolve("test-registry-auth"), "alice", "s3cret");
        pushImages();
    }

    @AfterAll
    void tearDown() throws IOException {
        if (open != null) {
            open.close();
        }
        if (secured != null) {
            secured.close();
        }
        if (daemon != null) {
            daemon.close();
        }
        if (work != null) {
            new ProcessHostCommands().run(List.of("rm", "-rf", work.toString()), TOOL);
        }
    }

    private void pushImages() throws IOException {
        Path busybox = work.resolve("busybox");
        new ProcessHostCommands().check(List.of("debugfs", "-R", "dump /bin/busybox " + busybox,
                TestImages.tiny().rootfs()), TOOL);
        TestLayers base = new TestLayers().dir("bin", 0755).file("bin/busybox", Files.readAllBytes(busybox), 0755, 0, 0);
        for (String applet : List.of("sh", "cat", "ls", "echo", "id", "test", "stat", "uname", "hostname")) {
            base.symlink("bin/" + applet, "busybox");
        }
        base.dir("etc", 0755).file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
                .file("etc/group", "root:x:0:\n").file("etc/motd", "single layer\n")
                .dir("root", 0700).dir("tmp", 01777);
        byte[] baseTar = base.tar();
        OciLayout layout = new OciLayout(work.resolve("layout"));
        busyboxImage = layout.image("amd64", List.of(new OciLayout.Layer(baseTar, TestLayers.Compression.GZIP)));
        layout.tag("busybox", busyboxImage);
        busyboxLayer = layerDigests(layout, busyboxImage).get(0);

        byte[] lower = new TestLayers().dir("data", 0755).file("data/old1", "1").dir("data/sub", 0755)
                .file("data/sub/old2", "2").file("etc/doomed", "doomed").file("etc/kept", "kept").tar();
        byte[] upper = new TestLayers().whiteout("etc/doomed").dir("data", 0755).opaque("data")
                .file("data/new", "new\n").tar();
        layout.tag("layers", layout.image("amd64", List.of(new OciLayout.Layer(baseTar, TestLayers.Compression.GZIP),
                new OciLayout.Layer(lower, TestLayers.Compression.NONE),
                new OciLayout.Layer(upper, TestLayers.Compression.ZSTD))));

        OciLayout.Descriptor arm = layout.image("arm64", List.of(new OciLayout.Layer(
                new TestLayers().file("arm", "arm64 only").tar(), TestLayers.Compression.GZIP)));
        layout.tag("multi", layout.index(List.of(arm, busyboxImage), List.of("arm64", "amd64")));

        layout.tag("evil", layout.image("amd64", List.of(new OciLayout.Layer(
                new TestLayers().file("ok", "fine").file("../../escape", "outside").tar(), TestLayers.Compression.GZIP))));

        open.push(layout, "busybox", "test/busybox:1", null);
        open.push(layout, "layers", "test/layers:1", null);
        open.push(layout, "multi", "test/multi:1", null);
        open.push(layout, "evil", "test/evil:1", null);
        secured.push(layout, "busybox", "private/busybox:1", "alice:s3cret");
    }

    private static List<String> layerDigests(OciLayout layout, OciLayout.Descriptor manifest) throws IOException {
        JsonNode m = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                layout.dir().resolve("blobs/sha256").resolve(manifest.digest().substring(7)).toFile());
        List<String> digests = new ArrayList<>();
        m.path("layers").forEach(l -> digests.add(l.path("digest").asText()));
        return digests;
    }

    private ApiResponse pull(String ref, String name) {
        return daemon.post("/v1/images/pull?wait=true", Map.of("ref", ref, "name", name));
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

    @Test
    @Order(1)
    void aBusyboxImageWithNoInitAndNoSshServerBootsWithTheGuestKitAndAnswersExec() {
        JsonNode image = daemon.expect(201, pull(open.address() + "/test/busybox:1", "bb")).json();
        assertEquals("oci:127.0.0.1:5000/test/busybox:1@" + busyboxImage.digest(), image.path("source").asText());
        assertEquals(1, open.blobGets(busyboxLayer), open.logTail());

        JsonNode vm = daemon.expect(201, daemon.post("/v1/vms?wait=true",
                Map.of("name", "bb1", "image", "bb", "start", true))).json();
        assertEquals("running", vm.path("state").asText(), vm.toString());
        JsonNode motd = daemon.exec("bb1", "cat", "/etc/motd");
        assertEquals(0, motd.path("exit_code").asInt(), motd.toString());
        assertEquals("single layer\n", motd.path("stdout").asText());
        JsonNode shape = daemon.exec("bb1", "sh", "-c", "test ! -e /sbin/init && test -x /.banger/init && hostname");
        assertEquals(0, shape.path("exit_code").asInt(), shape.toString());
        assertEquals("bb1\n", shape.path("stdout").asText());
    }

    @Test
    @Order(2)
    void layersInEveryCompressionFlattenWithWhiteoutsAndOpaqueDirectoriesAndBoot() {
        daemon.expect(201, pull(open.address() + "/test/layers:1", "layers"));
        assertEquals("new\n", debugfs("layers", "cat /data/new"));
        assertEquals("kept", debugfs("layers", "cat /etc/kept"));
        String data = debugfs("layers", "ls /data");
        assertFalse(data.contains("old1") || data.contains("sub"), data);
        String etc = debugfs("layers", "ls /etc");
        assertFalse(etc.contains("doomed"), etc);
        assertTrue(etc.contains("motd"), etc);
        assertTrue(debugfs("layers", "ls /.banger").contains("init"));
        assertEquals(1, open.blobGets(busyboxLayer), "the shared base layer came from the cache");

        daemon.expect(201, daemon.post("/v1/vms?wait=true", Map.of("name", "layers1", "image", "layers", "start", true)));
        JsonNode seen = daemon.exec("layers1", "sh", "-c", "test ! -e /etc/doomed && cat /etc/kept && ls /data");
        assertEquals(0, seen.path("exit_code").asInt(), seen.toString());
        assertEquals("kept" + "new\n", seen.path("stdout").asText());
        daemon.deleteVm("layers1");
    }

    @Test
    @Order(3)
    void aManifestListResolvesToTheLinuxAmd64ImageAndItsCachedLayerIsNotDownloadedAgain() {
        JsonNode image = daemon.expect(201, pull(open.address() + "/test/multi:1", "multi")).json();
        assertTrue(image.path("source").asText().endsWith("@" + busyboxImage.digest()), image.toString());
        assertEquals("single layer\n", debugfs("multi", "cat /etc/motd"));
        assertEquals(1, open.blobGets(busyboxLayer), open.logTail());
    }

    @Test
    @Order(4)
    void aRegistryBehindBasicAuthIsPulledWithTheCredentialsOfTheAuthFile() {
        JsonNode image = daemon.expect(201, pull(secured.address() + "/private/busybox:1", "private")).json();
        assertTrue(image.path("source").asText().startsWith("oci:127.0.0.1:5001/private/busybox:1@"), image.toString());
    }

    @Test
    @Order(5)
    void aDigestTheRegistryDoesNotHaveIsRefusedAndNothingIsRegistered() {
        ApiResponse r = pull(open.address() + "/test/busybox@sha256:" + "0".repeat(64), "wrong");
        assertEquals(404, r.status(), r.toString());
        assertFalse(imageNames().contains("wrong"));
    }

    @Test
    @Order(6)
    void aLayerWithAPathTraversalIsRefusedAndNothingIsWrittenOutside() {
        ApiResponse r = pull(open.address() + "/test/evil:1", "evil");
        assertEquals(400, r.status(), r.toString());
        assertTrue(r.errorMessage().contains("'..'"), r.toString());
        assertFalse(imageNames().contains("evil"));
        assertFalse(Files.exists(daemon.stateDir().resolve("escape")));
        assertFalse(Files.exists(daemon.stateDir().resolve("images/evil")));
    }

    @Test
    @Order(7)
    void badReferencesAndUnreachableRegistriesAreClearErrors() {
        ApiResponse malformed = pull("127.0.0.1:5000/Test/UPPER:1", "x");
        assertEquals(400, malformed.status(), malformed.toString());
        assertTrue(malformed.errorMessage().contains("malformed image reference"), malformed.toString());
        ApiResponse unknownHost = pull("no-such-registry.invalid/x/y:1", "y");
        assertEquals(503, unknownHost.status(), unknownHost.toString());
        assertTrue(unknownHost.errorMessage().contains("cannot reach registry no-such-registry.invalid"), unknownHost.toString());
        ApiResponse taken = pull(open.address() + "/test/busybox:1", "bb");
        assertEquals(409, taken.status(), taken.toString());
        assertFalse(imageNames().contains("x") || imageNames().contains("y"));
    }

    @Test
    @Order(8)
    void anImageInUseIsNotRemovedAndAnUnusedOneIsRemovedWithItsFiles() {
        ApiResponse inUse = daemon.delete("/v1/images/bb");
        assertEquals(409, inUse.status(), inUse.toString());
        assertTrue(inUse.errorMessage().contains("bb1"), inUse.toString());
        assertTrue(Files.exists(daemon.stateDir().resolve("images/bb/rootfs.ext4")));

        JsonNode removed = daemon.expect(200, daemon.delete("/v1/images/layers")).json();
        assertEquals("layers", removed.path("name").asText());
        assertFalse(Files.exists(daemon.stateDir().resolve("images/layers")));
        assertFalse(imageNames().contains("layers"));
        assertEquals(404, daemon.delete("/v1/images/layers").status());
    }

    @Test
    @Order(9)
    void hostFilesAreRegisteredAfterChecksAndRemovingTheImageLeavesThem() {
        Path bb = daemon.stateDir().resolve("images/bb");
        Map<String, String> own = Map.of("name", "own", "kernel", bb.resolve("vmlinuz").toString(),
                "initrd", bb.resolve("initrd.img").toString(), "rootfs", bb.resolve("rootfs.ext4").toString(), "os", "tiny");
        JsonNode image = daemon.expect(201, daemon.post("/v1/images", own)).json();
        assertEquals("registered", image.path("source").asText());
        assertEquals(409, daemon.post("/v1/images", own).status());
        ApiResponse notExt = daemon.post("/v1/images", Map.of("name", "bad", "kernel", bb.resolve("vmlinuz").toString(),
                "rootfs", bb.resolve("vmlinuz").toString()));
        assertEquals(400, notExt.status(), notExt.toString());
        assertTrue(notExt.errorMessage().contains("not an ext4"), notExt.toString());
        assertEquals(400, daemon.post("/v1/images", Map.of("name", "rel", "kernel", "vmlinuz", "rootfs", "rootfs.ext4")).status());

        daemon.expect(200, daemon.delete("/v1/images/own"));
        assertFalse(imageNames().contains("own"));
        assertTrue(Files.exists(bb.resolve("rootfs.ext4")), "a registered image's files are not banger's to delete");
    }
}

