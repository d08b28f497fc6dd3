package banger.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageAndDoctorCommandsTest extends CliAgainstFakeDaemonTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TINY = """
            {"name":"tiny","os":"busybox","kernel":"/i/tiny/vmlinuz","initrd":"/i/tiny/initrd","vmlinux":null,
             "rootfs":"/i/tiny/rootfs.ext4","rootfs_bytes":67108864,"created_at":"2025-06-01T10:00:00Z"}""";

    @Test
    void imageLsPrintsATableAndJson() throws Exception {
        String document = "{\"images\":[" + TINY + "]}";
        daemon.answer("GET", "/v1/images", 200, document);

        var table = cli.run("image", "ls");
        var json = cli.run("image", "ls", "--json");

        assertEquals(0, table.exit(), table.err());
        List<String> lines = table.out().lines().toList();
        assertEquals(List.of("NAME", "OS", "ROOTFS", "SOURCE", "AGE"), List.of(lines.get(0).split("\\s+")));
        assertEquals(List.of("tiny", "busybox", "64M", "-", "2h"), List.of(lines.get(1).split("\\s+")));
        assertEquals(JSON.readTree(document), JSON.readTree(json.out()));
        assertEquals("Bearer file-token", daemon.requests().get(0).header("Authorization"));
    }

    private static String operation(String image, String kind, String state, String progress) {
        return "{\"id\":\"op-1\",\"kind\":\"" + kind + "\",\"vm\":null,\"vm_id\":null,\"state\":\"" + state
                + "\",\"error\":null,\"created_at\":\"2025-06-01T10:00:00Z\",\"updated_at\":\"2025-06-01T10:00:00Z\","
                + "\"finished_at\":null,\"image\":\"" + image + "\",\"progress\":" + progress + "}";
    }

    @Test
    void imageBootstrapStartsTheOperationAndWaitsForItsImage() throws Exception {
        daemon.answer("POST", "/v1/images/bootstrap", 202, operation("tiny2", "bootstrap_image", "running",
                "{\"phase\":\"building\",\"bytes_done\":0,\"bytes_total\":-1,\"layers_done\":0,\"layers_total\":0}"));
        daemon.answer("GET", "/v1/operations/op-1", 200, operation("tiny2", "bootstrap_image", "succeeded", "null"));
        daemon.answer("GET", "/v1/images", 200, "{\"images\":[" + TINY.replace("\"tiny\"", "\"tiny2\"") + "]}");

        var result = cli.run("image", "bootstrap", "tiny", "--name", "tiny2");

        assertEquals(0, result.exit(), result.err());
        assertEquals(JSON.readTree("{\"preset\":\"tiny\",\"name\":\"tiny2\"}"),
                JSON.readTree(daemon.requests().get(0).body()));
        assertTrue(result.err().startsWith("bootstrapping image tiny2 from preset tiny... \n  building done"),
                result.err());
        assertTrue(result.out().startsWith("tiny2 busybox 64M /i/tiny/rootfs.ext4"), result.out());
    }

    @Test
    void imagePullShowsBytesAndLayersAndAFailedPullEndsWithItsError() {
        daemon.answer("POST", "/v1/images/pull", 202, operation("bb", "pull_image", "running",
                "{\"phase\":\"downloading\",\"bytes_done\":1048576,\"bytes_total\":2097152,\"layers_done\":0,\"layers_total\":2}"));
        daemon.answer("GET", "/v1/operations/op-1", 200, operation("bb", "pull_image", "failed", "null")
                .replace("\"error\":null", "\"error\":{\"code\":\"unavailable\",\"message\":\"cannot reach registry reg\"}"));

        var result = cli.run("image", "pull", "reg:5000/bb:1");

        assertEquals(1, result.exit());
        assertTrue(result.err().contains("\n  downloading 1M/2M, 0/2 layers failed"), result.err());
        assertTrue(result.err().endsWith("banger: unavailable: cannot reach registry reg\n"), result.err());
    }

    @Test
    void imagePromotePostsTheNameForTheVm() throws Exception {
        daemon.answer("POST", "/v1/vms/web/promote", 201, TINY.replace("\"tiny\"", "\"webimg\""));
        var result = cli.run("image", "promote", "web", "webimg");
        assertEquals(0, result.exit(), result.err());
        assertEquals(JSON.readTree("{\"name\":\"webimg\"}"), JSON.readTree(daemon.onlyRequest().body()));
        assertTrue(result.out().startsWith("webimg "), result.out());
    }

    @Test
    void imageBootstrapFailureSaysFailedThenTheApiError() {
        daemon.answer("POST", "/v1/images/bootstrap", 400, ApiSamples.error("invalid_request", "unknown preset nope"));

        var result = cli.run("image", "bootstrap", "nope");

        assertEquals(1, result.exit());
        assertTrue(result.err().startsWith("bootstrapping image nope from preset nope... failed"), result.err());
        assertTrue(result.err().endsWith("banger: invalid_request: unknown preset nope\n"), result.err());
    }

    @Test
    void imagePullPostsTheReferenceNamedAfterTheRepositoryAndPrintsTheSource() throws Exception {
        daemon.answer("POST", "/v1/images/pull", 202, operation("busybox", "pull_image", "succeeded", "null"));
        daemon.answer("GET", "/v1/images", 200, """
                {"images":[{"name":"busybox","os":"tiny","kernel":"/i/busybox/vmlinuz","initrd":"/i/busybox/initrd.img",
                 "vmlinux":null,"rootfs":"/i/busybox/rootfs.ext4","rootfs_bytes":83886080,
                 "created_at":"2024-05-01T10:00:00Z","source":"oci:reg:5000/library/busybox:1.36@sha256:ab"}]}""");

        var result = cli.run("image", "pull", "reg:5000/library/busybox:1.36");

        assertEquals(0, result.exit(), result.err());
        assertEquals(JSON.readTree("{\"ref\":\"reg:5000/library/busybox:1.36\",\"name\":\"busybox\"}"),
                JSON.readTree(daemon.requests().get(0).body()));
        assertTrue(result.err().startsWith("pulling reg:5000/library/busybox:1.36 as image busybox... done"), result.err());
        assertTrue(result.out().startsWith("busybox oci:reg:5000/library/busybox:1.36@sha256:ab 80M /i/busybox/rootfs.ext4"),
                result.out());
    }

    @Test
    void imageRmDeletesTheImageAndShowsTheConflictWhenItIsInUse() {
        daemon.answer("DELETE", "/v1/images/old", 200, TINY.replace("\"tiny\"", "\"old\""));
        var removed = cli.run("image", "rm", "old");
        assertEquals(0, removed.exit(), removed.err());
        assertEquals("removed image old\n", removed.out());

        daemon.answer("DELETE", "/v1/images/busy", 409, ApiSamples.error("conflict", "image busy is used by VM web; delete it first"));
        var refused = cli.run("image", "rm", "busy");
        assertEquals(1, refused.exit());
        assertTrue(refused.err().endsWith("banger: conflict: image busy is used by VM web; delete it first\n"), refused.err());
    }

    @Test
    void imageRegisterSendsAbsolutePaths() throws Exception {
        daemon.answer("POST", "/v1/images", 201, TINY.replace("\"tiny\"", "\"own\""));
        var result = cli.run("image", "register", "own", "--kernel", "/boot/vmlinuz", "--rootfs", "/srv/root.ext4", "--os", "tiny");
        assertEquals(0, result.exit(), result.err());
        assertEquals(JSON.readTree("{\"name\":\"own\",\"kernel\":\"/boot/vmlinuz\",\"rootfs\":\"/srv/root.ext4\",\"os\":\"tiny\"}"),
                JSON.readTree(daemon.onlyRequest().body()));
        assertEquals("registered image own 64M\n", result.out());
    }

    @Test
    void doctorPrintsChecksAndExitsOneWhenAnyFails() {
        daemon.answer("GET", "/v1/doctor", 200, """
                {"checks":[{"name":"qemu","status":"OK","detail":"qemu-system-x86_64 8.2","fix":null},
                           {"name":"kvm","status":"WARN","detail":"no vmx/svm","fix":"TCG is used"},
                           {"name":"firecracker","status":"FAIL","detail":"not installed","fix":"install it"}]}""");

        var result = cli.run("doctor");

        assertEquals(1, result.exit());
        List<String> lines = result.out().lines().toList();
        assertEquals(4, lines.size(), result.out());
        assertTrue(lines.get(0).matches("NAME +STATUS +DETAIL +FIX"), lines.get(0));
        assertTrue(lines.get(1).matches("qemu +OK +qemu-system-x86_64 8.2 +-"), lines.get(1));
        assertTrue(lines.get(3).matches("firecracker +FAIL +not installed +install it"), lines.get(3));
    }

    @Test
    void doctorExitsZeroWhenNothingFailsAndPrintsJson() throws Exception {
        String document = "{\"checks\":[{\"name\":\"qemu\",\"status\":\"OK\",\"detail\":\"ok\",\"fix\":\"\"}]}";
        daemon.answer("GET", "/v1/doctor", 200, document);

        var result = cli.run("doctor", "--json");

        assertEquals(0, result.exit(), result.err());
        assertEquals(JSON.readTree(document), JSON.readTree(result.out()));
    }
}
