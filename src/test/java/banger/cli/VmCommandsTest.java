package banger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VmCommandsTest extends CliAgainstFakeDaemonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void createPostsTheRequestWithTheTokenAndPrintsTheVm() throws Exception {
        daemon.answer("POST", "/v1/vms", 201, ApiSamples.vm("web", "running", "172.30.0.5"));

        var result = cli.run("vm", "create", "web", "--image", "tiny", "--vcpus", "2", "--memory", "512",
                "--disk", "2048", "--label", "env=dev", "--label", "team=ops");

        assertEquals(0, result.exit(), result.err());
        var request = daemon.onlyRequest();
        assertEquals("POST", request.method());
        assertEquals("/v1/vms", request.path());
        assertEquals("wait=true", request.query(), "waits for the VM rather than polling its operation");
        assertEquals("Bearer file-token", request.header("Authorization"));
        assertEquals(JSON.readTree("""
                {"name":"web","image":"tiny","vcpus":2,"memory_mib":512,"disk_mib":2048,"start":true,
                 "labels":{"env":"dev","team":"ops"}}"""), JSON.readTree(request.body()));
        assertTrue(result.err().startsWith("creating web... done"), result.err());
        assertTrue(result.out().contains("name:     web"), result.out());
        assertTrue(result.out().contains("state:    running"), result.out());
        assertTrue(result.out().contains("address:  172.30.0.5"), result.out());
        assertTrue(result.out().contains("created:  2025-06-01T11:55:00Z (5m ago)"), result.out());
    }

    @Test
    void createWithNoStartAsksNotToStartAndLeavesDefaultsToTheDaemon() throws Exception {
        daemon.answer("POST", "/v1/vms", 201, ApiSamples.vm("web", "created", null));

        var result = cli.run("vm", "create", "web", "--no-start", "--json");

        assertEquals(0, result.exit(), result.err());
        assertEquals(JSON.readTree("{\"name\":\"web\",\"start\":false}"), JSON.readTree(daemon.onlyRequest().body()));
        assertEquals("created", JSON.readTree(result.out()).path("state").asText());
    }

    @ParameterizedTest
    @CsvSource({"start,POST,/v1/vms/web/start", "stop,POST,/v1/vms/web/stop", "restart,POST,/v1/vms/web/restart",
            "kill,POST,/v1/vms/web/kill", "rm,DELETE,/v1/vms/web"})
    void lifecycleCommandsSendTheirRequestAndPrintTheNewState(String command, String method, String path) {
        daemon.answer(method, path, 200, ApiSamples.vm("web", "stopped", null));

        var result = cli.run("vm", command, "web");

        assertEquals(0, result.exit(), result.err());
        var request = daemon.onlyRequest();
        assertEquals(method, request.method());
        assertEquals(path, request.path());
        assertEquals("Bearer file-token", request.header("Authorization"));
        assertEquals("web stopped\n", result.out());
    }

    @Test
    void lifecycleCommandGoesOnAfterAFailedVmAndExitsOne() {
        daemon.answer("POST", "/v1/vms/ghost/stop", 404, ApiSamples.error("not_found", "no VM named ghost"));
        daemon.answer("POST", "/v1/vms/web/stop", 200, ApiSamples.vm("web", "stopped", null));

        var result = cli.run("vm", "stop", "ghost", "web");

        assertEquals(1, result.exit());
        assertEquals(2, daemon.requests().size());
        assertTrue(result.err().contains("banger: not_found: no VM named ghost\n"), result.err());
        assertEquals("web stopped\n", result.out());
    }

    @Test
    void setPatchesOnlyTheGivenFields() throws Exception {
        daemon.answer("PATCH", "/v1/vms/web", 200, ApiSamples.vm("web", "stopped", null));

        var result = cli.run("vm", "set", "web", "--memory", "1024", "--label", "tier=db");

        assertEquals(0, result.exit(), result.err());
        var request = daemon.onlyRequest();
        assertEquals("PATCH", request.method());
        assertEquals(JSON.readTree("{\"memory_mib\":1024,\"labels\":{\"tier\":\"db\"}}"), JSON.readTree(request.body()));
    }

    @Test
    void setWithNothingToChangeIsAUsageError() {
        var result = cli.run("vm", "set", "web");

        assertEquals(2, result.exit());
        assertTrue(result.err().contains("nothing to change"), result.err());
        assertTrue(daemon.requests().isEmpty());
    }

    @Test
    void lsPrintsATableOfVms() {
        daemon.answer("GET", "/v1/vms", 200,
                "{\"vms\":[" + ApiSamples.vm("web", "running", "172.30.0.5") + ","
                        + ApiSamples.vm("db", "stopped", null) + "]}");

        var result = cli.run("vm", "ls");

        assertEquals(0, result.exit(), result.err());
        List<String> lines = result.out().lines().toList();
        assertEquals(3, lines.size(), result.out());
        assertEquals(List.of("NAME", "ID", "STATE", "IMAGE", "VCPUS", "MEM", "DISK", "ADDRESS", "AGE"),
                List.of(lines.get(0).split("\\s+")));
        assertEquals(List.of("web", "vm-web-1", "running", "tiny", "2", "512M", "2G", "172.30.0.5", "5m"),
                List.of(lines.get(1).split("\\s+")));
        assertEquals(List.of("db", "vm-db-1", "stopped", "tiny", "2", "512M", "2G", "-", "5m"),
                List.of(lines.get(2).split("\\s+")));
        assertEquals(lines.get(0).indexOf("STATE"), lines.get(1).indexOf("running"), "columns line up");
    }

    @Test
    void lsPassesFiltersAsQueryParametersAndPrintsJsonForScripts() throws Exception {
        String document = "{\"vms\":[" + ApiSamples.vm("web", "running", "172.30.0.5") + "]}";
        daemon.answer("GET", "/v1/vms", 200, document);

        var result = cli.run("vm", "ls", "--state", "running", "--label", "env=dev", "--json");

        assertEquals(0, result.exit(), result.err());
        assertEquals("state=running&label=env%3Ddev", daemon.onlyRequest().query());
        assertEquals(JSON.readTree(document), JSON.readTree(result.out()));
    }

    @Test
    void showPrintsOneVmAndItsJson() throws Exception {
        daemon.answer("GET", "/v1/vms/web", 200, ApiSamples.vm("web", "running", "172.30.0.5"));

        var text = cli.run("vm", "show", "web");
        var json = cli.run("vm", "show", "web", "--json");

        assertEquals(0, text.exit(), text.err());
        assertTrue(text.out().contains("labels:   env=dev"), text.out());
        assertTrue(text.out().contains("memory:   512 MiB"), text.out());
        assertEquals(JSON.readTree(ApiSamples.vm("web", "running", "172.30.0.5")), JSON.readTree(json.out()));
    }

    @Test
    void namesAreEscapedInPaths() {
        daemon.answer("GET", "/v1/vms/a%20b", 200, ApiSamples.vm("a b", "running", null));

        var result = cli.run("vm", "show", "a b");

        assertEquals(0, result.exit(), result.err());
        assertEquals("/v1/vms/a%20b", daemon.onlyRequest().path());
    }

    @Test
    void logsPrintsTheConsoleAndFollowAsksForTheStream() {
        daemon.answer("GET", "/v1/vms/web/console", 200, "text/plain", "booting\nlogin: ");

        var once = cli.run("vm", "logs", "web");
        var followed = cli.run("vm", "logs", "web", "-f");

        assertEquals("booting\nlogin: ", once.out());
        assertNull(daemon.requests().get(0).query());
        assertEquals(0, followed.exit(), followed.err());
        assertEquals("booting\nlogin: ", followed.out());
        assertEquals("follow=true", daemon.requests().get(1).query());
    }

    @Test
    void historyPrintsATableOfJournalEvents() {
        daemon.answer("GET", "/v1/vms/web/history", 200, """
                {"events":[{"seq":1,"type":"created","at":"2025-06-01T11:55:00Z","data":{}},
                           {"seq":2,"type":"started","at":"2025-06-01T11:55:10Z","data":{"pid":4242}}]}""");

        var result = cli.run("vm", "history", "web");

        assertEquals(0, result.exit(), result.err());
        List<String> lines = result.out().lines().toList();
        assertEquals(List.of("SEQ", "AT", "TYPE", "DATA"), List.of(lines.get(0).split("\\s+")));
        assertEquals(List.of("1", "2025-06-01T11:55:00Z", "created", "-"), List.of(lines.get(1).split("\\s+")));
        assertEquals(List.of("2", "2025-06-01T11:55:10Z", "started", "{\"pid\":4242}"),
                List.of(lines.get(2).split("\\s+")));
    }

    @Test
    void execSendsTheArgvPrintsBothStreamsAndExitsWithTheGuestsCode() throws Exception {
        daemon.answer("POST", "/v1/vms/web/exec", 200,
                "{\"stdout\":\"Linux web\\n\",\"stderr\":\"warning\\n\",\"exit_code\":3}");

        var result = cli.run("vm", "exec", "web", "--timeout", "5", "--", "uname", "-a");

        assertEquals(3, result.exit());
        assertEquals("Linux web\n", result.out());
        assertEquals("warning\n", result.err());
        assertEquals(JSON.readTree("{\"argv\":[\"uname\",\"-a\"],\"timeout_s\":5}"),
                JSON.readTree(daemon.onlyRequest().body()));
    }

    @Test
    void execWithStdinSendsTheInput() throws Exception {
        daemon.answer("POST", "/v1/vms/web/exec", 200, "{\"stdout\":\"\",\"stderr\":\"\",\"exit_code\":0}");
        cli.stdin = new ByteArrayInputStream("hello\n".getBytes(StandardCharsets.UTF_8));

        var result = cli.run("vm", "exec", "web", "--stdin", "--", "cat");

        assertEquals(0, result.exit(), result.err());
        JsonNode body = JSON.readTree(daemon.onlyRequest().body());
        assertEquals("hello\n", body.path("stdin").asText());
        assertTrue(body.path("timeout_s").isMissingNode(), "the daemon's default timeout applies");
    }

    @Test
    void sshRunsTheSystemClientWithTheDaemonKeyAndPropagatesItsExitCode() throws Exception {
        daemon.answer("GET", "/v1/vms/web", 200, ApiSamples.vm("web", "running", "172.30.0.5/24"));
        Path key = cli.stateDir.resolve("ssh/id_ed25519");
        Files.createDirectories(key.getParent());
        Files.writeString(key, "key");
        cli.terminalExitCode = 7;

        var result = cli.run("vm", "ssh", "web", "--", "uptime");

        assertEquals(7, result.exit(), result.err());
        assertEquals(List.of(List.of("ssh", "-i", key.toString(), "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "root@172.30.0.5", "uptime")),
                cli.terminalRuns);
    }

    @Test
    void sshToAVmWithoutAddressFailsClearly() {
        daemon.answer("GET", "/v1/vms/web", 200, ApiSamples.vm("web", "stopped", null));

        var result = cli.run("vm", "ssh", "web");

        assertEquals(1, result.exit());
        assertEquals("banger: VM web has no address (state: stopped)\n", result.err());
        assertFalse(result.err().contains("Exception"));
        assertTrue(cli.terminalRuns.isEmpty());
    }
}
