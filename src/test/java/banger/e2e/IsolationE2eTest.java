package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import banger.host.HostCommands;
import banger.host.ProcessHostCommands;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A real tiny guest against the host's isolation: an {@link OutsideHost} beyond the uplink stands in for the
 * internet (198.18.0.1), a cloud metadata service (169.254.169.254) and the host's LAN (192.168.77.1), and
 * counts the echo requests that reach it. One guest for the whole class; the tests run in order, the last one
 * breaks the guest's SSH on purpose.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IsolationE2eTest {

    private static final String INTERNET = OutsideHost.ADDRESS;
    private static final String METADATA = "169.254.169.254";
    private static final String LAN = "192.168.77.1";
    private static final String SPOOFED = "172.30.0.200";
    private static final int PORT = 8080;
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private static DaemonHarness daemon;
    private static OutsideHost outside;
    private static E2eVm vm;

    @BeforeAll
    static void bootOneGuest() {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        daemon = DaemonHarness.start("isolation");
        daemon.bootstrapTinyImage();
        vm = daemon.createVm("iso", true);
        outside = new OutsideHost(daemon);
        outside.serve(PORT);
        HostCommands far = outside.commands();
        far.check(List.of("ip", "addr", "add", METADATA + "/32", "dev", "lo"), TIMEOUT);
        far.check(List.of("ip", "addr", "add", LAN + "/32", "dev", "lo"), TIMEOUT);
        far.run(List.of("nft", "-f", "-"), TIMEOUT, ("table ip count {\n  chain input {\n"
                + "    type filter hook input priority filter; policy accept;\n"
                + "    icmp type echo-request counter\n  }\n}\n").getBytes(StandardCharsets.UTF_8)).orThrow();
        HostCommands inside = daemon.namespaceCommands();
        inside.check(List.of("ip", "route", "add", METADATA + "/32", "via", INTERNET), TIMEOUT);
        inside.check(List.of("ip", "route", "add", "192.168.77.0/24", "via", INTERNET), TIMEOUT);
    }

    @AfterAll
    static void tearDown() {
        try {
            if (outside != null) {
                outside.close();
            }
        } finally {
            if (daemon != null) {
                daemon.close();
            }
        }
    }

    @Test
    @Order(1)
    void theGuestReachesTheInternetButNeitherTheMetadataServiceNorTheHostsLan() {
        assertTrue(ping(null, INTERNET), "the internet, through NAT");
        assertTrue(tcp(INTERNET), "TCP to the internet");
        assertTrue(ping(null, "172.30.0.1"), "the gateway");
        assertEquals(0, daemon.exec("iso", "nslookup", "iso.vm").path("exit_code").asInt(), "DNS on the gateway");
        assertTrue(!ping(null, METADATA), "no link-local metadata service");
        assertTrue(!ping(null, LAN), "no private LAN address beyond the host");
        String api = daemon.namespaceCommands().check(List.of("ip", "-4", "-o", "addr", "show", "scope", "global"),
                TIMEOUT).stdout();
        assertTrue(api.contains("192.168.250."), api);
        String hostAddress = api.substring(api.indexOf("192.168.250."), api.indexOf('/', api.indexOf("192.168.250.")));
        assertTrue(!ping(null, hostAddress), "nor the host's own address on its LAN (" + hostAddress + ")");
    }

    @Test
    @Order(2)
    void aSpoofedSourceAddressNeverLeavesTheBridge() {
        long before = echoRequestsOutside();
        assertTrue(ping(null, INTERNET));
        assertEquals(before + 1, echoRequestsOutside(), "an honest ping is counted outside");
        exec("ip", "addr", "add", SPOOFED + "/24", "dev", "eth0");
        try {
            assertTrue(!ping(SPOOFED, INTERNET), "a ping from a spoofed address is not answered");
            assertEquals(before + 1, echoRequestsOutside(), "and never reached the outside host");
        } finally {
            exec("ip", "addr", "del", SPOOFED + "/24", "dev", "eth0");
        }
        assertTrue(ping(null, INTERNET), "its own address still works");
    }

    @Test
    @Order(3)
    void egressDenyBlocksWhatAllowLetsThroughChangedLive() {
        assertEquals("allow", daemon.expect(200, daemon.get("/v1/vms/iso")).json().path("egress").asText());
        assertTrue(tcp(INTERNET), "allow: connects");

        JsonNode denied = patchEgress("\"deny\"");
        assertEquals("deny", denied.path("egress").asText());
        assertEquals("deny", daemon.expect(200, daemon.get("/v1/vms/iso")).json().path("egress").asText(), "vm show");
        assertTrue(!tcp(INTERNET), "deny: the same connection fails, at once after the PATCH");
        assertTrue(!ping(null, INTERNET));
        assertEquals(0, daemon.exec("iso", "nslookup", "iso.vm").path("exit_code").asInt(), "DNS is not egress");

        patchEgress("[{\"cidr\":\"198.18.0.0/24\",\"ports\":[" + PORT + "]}]");
        assertTrue(tcp(INTERNET), "a listed network and port connects");
        assertTrue(!ping(null, INTERNET), "what the list does not name stays blocked");

        patchEgress("\"allow\"");
        assertTrue(ping(null, INTERNET), "allow again");
        assertEquals(400, daemon.send("PATCH", "/v1/vms/iso", "{\"egress\":\"maybe\"}", true).status());
    }

    @Test
    @Order(4)
    void qemuRunsAsTheUnprivilegedUserInsideTheSandbox() throws Exception {
        long pid = daemon.vm("iso").pid();
        String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"));
        String uid = new ProcessHostCommands().check(List.of("id", "-u", "banger-vmm"), TIMEOUT).stdout().strip();
        assertTrue(status.contains("\nUid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid + "\n"),
                "QEMU's real, effective, saved and fs uid are banger-vmm's " + uid + ":\n" + status);
        assertTrue(status.contains("\nSeccomp:\t2\n"), "a seccomp filter is in force:\n" + status);
        String cmdline = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
        assertTrue(cmdline.contains("-sandbox on,obsolete=deny,") && cmdline.contains("spawn=deny,resourcecontrol=deny"),
                cmdline);
    }

    @Test
    @Order(5)
    void afterADaemonRestartTheGuestIsAdoptedRepinnedAndKeepsItsPolicy() {
        patchEgress("\"deny\"");
        long pid = daemon.vm("iso").pid();
        daemon.stopDaemon();
        daemon.startDaemon();
        DaemonHarness.await("the VM adopted after the restart", Duration.ofSeconds(60),
                () -> "running".equals(daemon.vm("iso").state()));
        assertEquals(pid, daemon.vm("iso").pid(), "the same sandboxed QEMU, adopted");
        DaemonHarness.await("the guest reachable again once its TAP is pinned anew", Duration.ofSeconds(30),
                () -> ping(null, "172.30.0.1"));
        assertTrue(!tcp(INTERNET), "its deny policy holds after the rebuild");
        patchEgress("\"allow\"");
        assertTrue(tcp(INTERNET));
    }

    @Test
    @Order(6)
    void aGuestPresentingAnotherHostKeyIsRefusedWithAClearError() {
        // the guest swaps its SSH server for one with a key banger never made (what a spoofing guest would offer)
        exec("sh", "-c", "dropbearkey -t ed25519 -f /tmp/other_key >/dev/null 2>&1"
                + " && kill $(cat /run/dropbear.pid)"
                + " && dropbear -R -s -p 22 -r /tmp/other_key -P /run/dropbear.pid");
        ApiResponse refused = daemon.post("/v1/vms/iso/exec", java.util.Map.of("argv", List.of("true"), "timeout_s", 30));
        assertTrue(refused.status() >= 400, refused.toString());
        assertTrue(refused.errorMessage() != null && refused.errorMessage().contains("SSH host key of " + vm.address()
                + " changed"), refused.toString());
    }

    private static JsonNode patchEgress(String egress) {
        return daemon.expect(200, daemon.send("PATCH", "/v1/vms/iso", "{\"egress\":" + egress + "}", true)).json();
    }

    private static JsonNode exec(String... argv) {
        JsonNode result = daemon.exec("iso", argv);
        assertEquals(0, result.path("exit_code").asInt(), result.toString());
        return result;
    }

    private static boolean ping(String source, String target) {
        JsonNode r = source == null ? daemon.exec("iso", "ping", "-c", "1", "-W", "2", target)
                : daemon.exec("iso", "ping", "-c", "1", "-W", "2", "-I", source, target);
        return r.path("exit_code").asInt() == 0;
    }

    /** A TCP connection from the guest to the address, port {@value #PORT}, within 3 s. */
    private static boolean tcp(String address) {
        JsonNode r = daemon.exec("iso", "sh", "-c", "echo | nc -w 3 " + address + " " + PORT + " > /dev/null");
        return r.path("exit_code").asInt() == 0;
    }

    private static long echoRequestsOutside() {
        String out = outside.commands().check(List.of("nft", "list", "table", "ip", "count"), TIMEOUT).stdout();
        int at = out.indexOf("packets ");
        return Long.parseLong(out.substring(at + 8, out.indexOf(' ', at + 8)));
    }
}
