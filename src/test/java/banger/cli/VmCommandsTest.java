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
import java.time.Duration;
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
    @CsvSource({"start,POST,/v1/vms/web/start,start_vm,running", "stop,POST,/v1/vms/web/stop,stop_vm,stopped",
            "restart,POST,/v1/vms/web/restart,restart_vm,running",
            "suspend,POST,/v1/vms/web/suspend,suspend_vm,suspended"})
    void lifecycleCommandsFollowTheirOperationAndPrintTheNewState(String command, String method, String path,
                                                                 String kind, String state) {
        daemon.answer(method, path, 202, ApiSamples.operation("op-1", kind, "web", "running"));
        daemon.answer("GET", "/v1/operations/op-1", 200, ApiSamples.operation("op-1", kind, "web", "succeeded"));
        daemon.answer("GET", "/v1/vms/vm-web-1", 200, ApiSamples.vm("web", state, null));

        var result = cli.run("vm", command, "web");

        assertEquals(0, result.exit(), result.err());
        var sent = daemon.requests().get(0);
        assertEquals(method, sent.method());
        assertEquals(path, sent.path());
        assertNull(sent.query(), "no ?wait: the CLI follows the operation");
        assertEquals("Bearer file-token", sent.header("Authorization"));
        assertEquals("/v1/operations/op-1", daemon.requests().get(1).path());
        assertEquals("web " + state + "\n", result.out());
        assertTrue(result.err().contains("... done"), result.err());
    }

    @Test
    void rmFollowsTheDeleteAndPrintsTheVmDeleted() {
        daemon.answer("DELETE", "/v1/vms/web", 202, ApiSamples.operation("op-2", "delete_vm", "web", "running"));
        daemon.answer("GET", "/v1/operations/op-2", 200, ApiSamples.operation("op-2", "delete_vm", "web",
                "succeeded"));

        var result = cli.run("vm", "rm", "web");

        assertEquals(0, result.exit(), result.err());
        assertEquals("web deleted\n", result.out());
        assertEquals(2, daemon.requests().size(), "the deleted VM is not asked for");
    }

    @Test
    void killIsAnsweredAtOnceWithTheVm() {
        daemon.answer("POST", "/v1/vms/web/kill", 200, ApiSamples.vm("web", "stopped", null));

        var result = cli.run("vm", "kill", "web");

        assertEquals(0, result.exit(), result.err());
        assertEquals("/v1/vms/web/kill", daemon.onlyRequest().path());
        assertEquals("web stopped\n", result.out());
    }

    @Test
    void noWaitPrintsTheOperationAndDoesNotFollowIt() {
        daemon.answer("POST", "/v1/vms/web/stop", 202, ApiSamples.operation("op-3", "stop_vm", "web", "running"));

        var result = cli.run("vm", "stop", "web", "--no-wait");

        assertEquals(0, result.exit(), result.err());
        assertEquals("op-3 stop_vm web running\n", result.out());
        assertEquals(1, daemon.requests().size());
    }

    @Test
    void aFailedOperationIsReportedWithItsErrorAndExitsOne() {
        daemon.answer("POST", "/v1/vms/web/start", 202, ApiSamples.operation("op-4", "start_vm", "web", "running"));
        daemon.answer("GET", "/v1/operations/op-4", 200, ApiSamples.failedOperation("op-4", "start_vm", "web",
                "operation_failed", "VM web failed to start: kernel panic"));

        var result = cli.run("vm", "start", "web");

        assertEquals(1, result.exit());
        assertTrue(result.err().contains("failed"), result.err());
        assertTrue(result.err().contains("banger: operation_failed: VM web failed to start: kernel panic"),
                result.err());
    }

    @Test
    void lifecycleCommandGoesOnAfterAFailedVmAndExitsOne() {
        daemon.answer("POST", "/v1/vms/ghost/stop", 404, ApiSamples.error("not_found", "no VM named ghost"));
        daemon.answer("POST", "/v1/vms/web/stop", 202, ApiSamples.operation("op-5", "stop_vm", "web", "running"));
        daemon.answer("GET", "/v1/operations/op-5", 200, ApiSamples.operation("op-5", "stop_vm", "web", "succeeded"));
        daemon.answer("GET", "/v1/vms/vm-web-1", 200, ApiSamples.vm("web", "stopped", null));

        var result = cli.run("vm", "stop", "ghost", "web");

        assertEquals(1, result.exit());
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
    void egressRulesAreSentAsTheApisRuleListAndShownByShow() throws Exception {
        daemon.answer("PATCH", "/v1/vms/web", 200, """
                {"id":"vm-web-1","name":"web","state":"running","image":"tiny","vcpus":2,"memory_mib":512,
                 "disk_mib":2048,"labels":{},"created_at":"2025-06-01T11:55:00Z","updated_at":"2025-06-01T11:56:00Z",
                 "egress":[{"cidr":"10.0.0.0/8","ports":[80,443]},{"cidr":"1.1.1.1/32","ports":[]}]}""");

        var result = cli.run("vm", "set", "web", "--egress", "10.0.0.0/8:80,443", "--egress", "1.1.1.1");

        assertEquals(0, result.exit(), result.err());
        assertEquals(JSON.readTree("{\"egress\":[{\"cidr\":\"10.0.0.0/8\",\"ports\":[80,443]},"
                + "{\"cidr\":\"1.1.1.1/32\",\"ports\":[]}]}"), JSON.readTree(daemon.onlyRequest().body()));
        assertTrue(result.out().contains("egress:   10.0.0.0/8:80,443 1.1.1.1/32"), result.out());
    }

    @Test
    void egressDenyIsSentAsTheWordAndABadRuleIsAUsageError() throws Exception {
        daemon.answer("POST", "/v1/vms", 200, ApiSamples.vm("web", "running", null));

        var denied = cli.run("vm", "create", "web", "--egress", "deny");
        var bad = cli.run("vm", "create", "web", "--egress", "10.0.0.0/8:http");

        assertEquals(0, denied.exit(), denied.err());
        assertEquals("deny", JSON.readTree(daemon.onlyRequest().body()).path("egress").asText());
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("--egress: 10.0.0.0/8:http: 'http' is not a port"), bad.err());
        assertEquals(1, daemon.requests().size(), "the bad rule reached no daemon");
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
        assertTrue(text.out().contains("egress:   allow"), "no policy is the default, allow: " + text.out());
        assertEquals(JSON.readTree(ApiSamples.vm("web", "running", "172.30.0.5")), JSON.readTree(json.out()));
    }

    @Test
    void showPrintsTheSavedStateOfASuspendedVmAndHowItsLastStartWent() {
        daemon.answer("GET", "/v1/vms/web", 200, """
                {"id":"vm-web-1","name":"web","state":"suspended","image":"tiny","vcpus":2,"memory_mib":512,
                 "disk_mib":2048,"labels":{},"created_at":"2025-06-01T11:55:00Z","updated_at":"2025-06-01T11:56:00Z",
                 "saved_state":{"bytes":104857600,"saved_at":"2025-06-01T11:56:00Z"},
                 "last_start":{"kind":"cold","cold_boot_reason":"the disk changed since the suspend"}}""");

        var text = cli.run("vm", "show", "web");

        assertEquals(0, text.exit(), text.err());
        assertTrue(text.out().contains("state:    suspended"), text.out());
        assertTrue(text.out().contains("saved:    100"), text.out());
        assertTrue(text.out().contains("2025-06-01T11:56:00Z (a start resumes it)"), text.out());
        assertTrue(text.out().contains("started:  cold (the saved state was not used: the disk changed since the "
                + "suspend)"), text.out());
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
    void execSaysWhenTheDaemonTruncatedTheOutput() throws Exception {
        daemon.answer("POST", "/v1/vms/web/exec", 200,
                "{\"stdout\":\"yyyy\",\"stderr\":\"\",\"exit_code\":-1,\"truncated\":true}");

        var result = cli.run("vm", "exec", "web", "--", "yes");

        assertEquals("yyyy", result.out());
        assertTrue(result.err().contains("output truncated"), result.err());
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
    void anSshSessionIsReportedAsActivityOnTheVmWhileItLasts() throws Exception {
        daemon.answer("GET", "/v1/vms/web", 200, ApiSamples.vm("web", "running", "172.30.0.5/24")
                .replace("\"pid\":4242", "\"pid\":4242,\"idle_timeout_s\":2"));
        daemon.answer("POST", "/v1/vms/vm-web-1/activity", 200, ApiSamples.vm("web", "running", "172.30.0.5/24"));
        Path key = cli.stateDir.resolve("ssh/id_ed25519");
        Files.createDirectories(key.getParent());
        Files.writeString(key, "key");
        // with a 2 s idle timeout the session reports every second: wait for two reports while "ssh" runs
        cli.duringTerminal = () -> {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (activityReports() < 2 && System.nanoTime() < deadline) {
                pause();
            }
        };

        var result = cli.run("vm", "ssh", "web");

        assertEquals(0, result.exit(), result.err());
        assertTrue(activityReports() >= 2, daemon.requests().toString());
        long afterExit = activityReports();
        long quiet = System.nanoTime() + Duration.ofMillis(2500).toNanos();
        while (System.nanoTime() < quiet) {
            pause();
        }
        assertEquals(afterExit, activityReports(), "no reports once the session ended");
    }

    private long activityReports() {
        return daemon.requests().stream()
                .filter(r -> r.method().equals("POST") && r.path().equals("/v1/vms/vm-web-1/activity")).count();
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
