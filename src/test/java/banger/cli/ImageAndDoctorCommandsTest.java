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
        assertEquals(List.of("NAME", "OS", "ROOTFS", "KERNEL", "AGE"), List.of(lines.get(0).split("\\s+")));
        assertEquals(List.of("tiny", "busybox", "64M", "/i/tiny/vmlinuz", "2h"), List.of(lines.get(1).split("\\s+")));
        assertEquals(JSON.readTree(document), JSON.readTree(json.out()));
        assertEquals("Bearer file-token", daemon.requests().get(0).header("Authorization"));
    }

    @Test
    void imageBootstrapPostsThePresetAndShowsProgress() throws Exception {
        daemon.answer("POST", "/v1/images/bootstrap", 201, TINY);

        var result = cli.run("image", "bootstrap", "tiny", "--name", "tiny2");

        assertEquals(0, result.exit(), result.err());
        assertEquals(JSON.readTree("{\"preset\":\"tiny\",\"name\":\"tiny2\"}"),
                JSON.readTree(daemon.onlyRequest().body()));
        assertTrue(result.err().startsWith("bootstrapping image tiny2 from preset tiny... done"), result.err());
        assertTrue(result.out().startsWith("tiny busybox 64M /i/tiny/rootfs.ext4"), result.out());
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
