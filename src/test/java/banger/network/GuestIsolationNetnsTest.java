package banger.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import banger.host.CommandResult;
import banger.host.HostCommands;
import banger.host.ProcessHostCommands;
import banger.wire.EgressPolicy;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GuestIsolation against the real kernel, without a VM: three namespaces stand in for the daemon's host (bridge,
 * NAT, banger's tables), a guest (a veth named like a TAP, on the bridge) and the world beyond the uplink, which
 * also carries a link-local "metadata" address and a private "LAN" address. Packets are real; outcomes are what
 * ping and TCP connects see, and what a counter on the far side counts.
 */
class GuestIsolationNetnsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String TAP = "bgtiso0";
    private static final String GUEST = "10.203.0.2";
    private static final String SPOOFED = "10.203.0.9";
    private static final String OUTSIDE = "198.18.0.1";
    private static final String METADATA = "169.254.169.254";
    private static final String LAN = "192.168.77.1";
    private static final String MAC = MacAddress.forVm("isolationtest");
    private static final String NEIGHBOUR = "10.203.0.3";
    private static final String NEIGHBOUR_MAC = MacAddress.forVm("isolationneighbour");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static TestNetns host;
    private static TestNetns guest;
    private static TestNetns outside;
    private static TestNetns neighbour;
    private static GuestIsolation isolation;
    private static Process server;
    private static Path serverRoot;

    @BeforeAll
    static void threeNamespaces() throws Exception {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        host = new TestNetns();
        guest = new TestNetns();
        outside = new TestNetns();
        Subnet subnet = Subnet.parse("10.203.0.0/24");
        new HostNetwork(host.hosts, "bgbr0", subnet).ensure();
        isolation = new GuestIsolation(host.hosts, "bgbr0", subnet, false);
        isolation.ensure();
        check(host.hosts, "ip", "link", "add", TAP, "type", "veth", "peer", "name", "eth0", "netns", guest.name);
        check(host.hosts, "ip", "link", "set", TAP, "master", "bgbr0", "up");
        check(guest.hosts, "ip", "link", "set", "lo", "up");
        check(guest.hosts, "ip", "link", "set", "eth0", "address", MAC);
        check(guest.hosts, "ip", "addr", "add", GUEST + "/24", "dev", "eth0");
        check(guest.hosts, "ip", "link", "set", "eth0", "up");
        check(guest.hosts, "ip", "route", "add", "default", "via", "10.203.0.1");
        neighbour = new TestNetns();
        check(host.hosts, "ip", "link", "add", "bgtiso1", "type", "veth", "peer", "name", "eth0", "netns", neighbour.name);
        check(host.hosts, "ip", "link", "set", "bgtiso1", "master", "bgbr0", "up");
        check(neighbour.hosts, "ip", "link", "set", "eth0", "address", NEIGHBOUR_MAC);
        check(neighbour.hosts, "ip", "addr", "add", NEIGHBOUR + "/24", "dev", "eth0");
        check(neighbour.hosts, "ip", "link", "set", "eth0", "up");
        check(host.hosts, "ip", "link", "add", "bgup0", "type", "veth", "peer", "name", "peer0", "netns", outside.name);
        check(host.hosts, "ip", "addr", "add", "198.18.0.2/24", "dev", "bgup0");
        check(host.hosts, "ip", "link", "set", "bgup0", "up");
        check(host.hosts, "ip", "route", "add", METADATA + "/32", "via", OUTSIDE);
        check(host.hosts, "ip", "route", "add", "192.168.77.0/24", "via", OUTSIDE);
        check(outside.hosts, "ip", "link", "set", "lo", "up");
        check(outside.hosts, "ip", "addr", "add", OUTSIDE + "/24", "dev", "peer0");
        check(outside.hosts, "ip", "addr", "add", METADATA + "/32", "dev", "lo");
        check(outside.hosts, "ip", "addr", "add", LAN + "/32", "dev", "lo");
        check(outside.hosts, "ip", "link", "set", "peer0", "up");
        // counts echo requests arriving from anywhere, so a spoofed one that got through would show
        outside.hosts.run(List.of("nft", "-f", "-"), TIMEOUT, ("table ip count {\n"
                + "  chain input { type filter hook input priority filter; policy accept;\n"
                + "    icmp type echo-request counter\n  }\n}\n").getBytes()).orThrow();
        serverRoot = Files.createTempDirectory("banger-isolation-www");
        server = new ProcessBuilder("ip", "netns", "exec", outside.name, "busybox", "httpd", "-f",
                "-p", OUTSIDE + ":8080", "-h", serverRoot.toString()).redirectErrorStream(true).start();
        assertTrue(awaitTrue(() -> tcp(OUTSIDE, 8080, host.hosts)), "the outside server listens");
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (server != null) {
            server.destroyForcibly();
        }
        for (TestNetns ns : new TestNetns[] {guest, neighbour, outside, host}) {
            if (ns != null) {
                ns.close();
            }
        }
        if (serverRoot != null) {
            Files.deleteIfExists(serverRoot);
        }
    }

    @BeforeEach
    void pinned() {
        isolation.admit(new GuestIsolation.Admission(TAP, MAC, GUEST, EgressPolicy.ALLOW));
        isolation.admit(new GuestIsolation.Admission("bgtiso1", NEIGHBOUR_MAC, NEIGHBOUR, EgressPolicy.DENY));
    }

    @Test
    void aTapPassesNothingUntilItIsLentAndNothingAfterItIsReturned() {
        isolation.evict(TAP);
        assertFalse(ping(null, "10.203.0.1"), "an unpinned TAP reaches not even the gateway");
        isolation.admit(new GuestIsolation.Admission(TAP, MAC, GUEST, EgressPolicy.ALLOW));
        assertTrue(reaches("10.203.0.1"), "a pinned TAP reaches the gateway");
        assertTrue(reaches(OUTSIDE), "and, through NAT, the world");
        isolation.evict(TAP);
        assertFalse(ping(null, OUTSIDE));
        String rules = check(host.hosts, "nft", "list", "table", "bridge", "banger").stdout();
        assertFalse(rules.contains(TAP), "no element names the returned TAP: " + rules);
    }

    @Test
    void aSpoofedSourceAddressNeverLeavesTheBridge() {
        long before = echoRequestsSeenOutside();
        assertTrue(reaches(OUTSIDE));
        assertEquals(before + 1, echoRequestsSeenOutside(), "the counter sees an honest ping");
        check(guest.hosts, "ip", "addr", "add", SPOOFED + "/24", "dev", "eth0");
        try {
            assertFalse(ping(SPOOFED, OUTSIDE), "a ping from a spoofed source gets no answer");
            assertFalse(ping(SPOOFED, "10.203.0.1"), "not even from the gateway");
            assertEquals(before + 1, echoRequestsSeenOutside(), "and never arrived outside");
        } finally {
            check(guest.hosts, "ip", "addr", "del", SPOOFED + "/24", "dev", "eth0");
        }
    }

    @Test
    void guestsReachEachOtherWhateverTheirEgressButCannotTakeEachOthersAddress() {
        assertTrue(reaches(NEIGHBOUR), "guest to guest is not egress (the neighbour denies egress)");
        assertTrue(neighbour.hosts.run(List.of("ping", "-c", "1", "-W", "1", GUEST), TIMEOUT).ok());
        check(guest.hosts, "ip", "addr", "add", SPOOFED + "/24", "dev", "eth0");
        try {
            assertFalse(neighbour.hosts.run(List.of("ping", "-c", "1", "-W", "1", SPOOFED), TIMEOUT).ok(),
                    "an address the guest was not given does not answer, not even on the bridge");
        } finally {
            check(guest.hosts, "ip", "addr", "del", SPOOFED + "/24", "dev", "eth0");
        }
    }

    @Test
    void aForgedMacAddressPassesNothing() {
        check(guest.hosts, "ip", "link", "set", "eth0", "address", "52:54:00:12:34:56");
        try {
            guest.hosts.run(List.of("ip", "neigh", "flush", "all"), TIMEOUT);
            assertFalse(ping(null, "10.203.0.1"));
        } finally {
            check(guest.hosts, "ip", "link", "set", "eth0", "address", MAC);
        }
        assertTrue(reaches("10.203.0.1"));
    }

    @Test
    void linkLocalAndPrivateRangesAreUnreachableWhateverThePolicy() {
        assertFalse(ping(null, METADATA), "no metadata service");
        assertFalse(tcp(METADATA, 8080, guest.hosts));
        assertFalse(ping(null, LAN), "no host LAN");
        isolation.admit(new GuestIsolation.Admission(TAP, MAC, GUEST,
                policy("[{\"cidr\":\"0.0.0.0/0\"}]")));
        assertFalse(ping(null, METADATA), "not even when a rule lists everything");
        assertTrue(reaches(OUTSIDE));
        String input = check(host.hosts, "nft", "list", "chain", "ip", "banger_guard", "input").stdout();
        assertTrue(input.contains("ip daddr != 10.203.0.1 drop"), "input from the bridge reaches only the gateway: " + input);
    }

    @Test
    void egressDenyBlocksWhatAllowLetsThroughAndARuleListLetsThroughOnlyItsPorts() {
        assertTrue(connects(OUTSIDE, 8080), "allow: connects");
        assertTrue(isolation.update(GUEST, EgressPolicy.DENY));
        assertFalse(tcp(OUTSIDE, 8080, guest.hosts), "deny: does not");
        assertFalse(ping(null, OUTSIDE));
        assertTrue(reaches("10.203.0.1"), "the gateway (DNS) is not egress");
        isolation.update(GUEST, policy("[{\"cidr\":\"198.18.0.0/24\",\"ports\":[8080]},"
                + "{\"cidr\":\"198.18.0.1\",\"ports\":[8080, 9]},{\"cidr\":\"203.0.113.0/24\"}]"));
        assertTrue(connects(OUTSIDE, 8080), "listed port: connects");
        assertFalse(ping(null, OUTSIDE), "ICMP is not a listed port");
        isolation.update(GUEST, policy("[{\"cidr\":\"198.18.0.0/24\",\"ports\":[8081]}]"));
        assertFalse(tcp(OUTSIDE, 8080, guest.hosts), "unlisted port: does not");
        isolation.update(GUEST, EgressPolicy.ALLOW);
        assertTrue(connects(OUTSIDE, 8080), "allow again, live");
    }

    @Test
    void ensureRebuildsEmptyTablesAndReadmissionRestoresTheGuest() {
        isolation.ensure();
        isolation.ensure();
        assertFalse(ping(null, "10.203.0.1"), "after a rebuild the TAP is unpinned: fail closed");
        isolation.admit(new GuestIsolation.Admission(TAP, MAC, GUEST, EgressPolicy.DENY));
        isolation.admit(new GuestIsolation.Admission(TAP, MAC, GUEST, EgressPolicy.DENY));
        assertTrue(reaches("10.203.0.1"));
        assertFalse(ping(null, OUTSIDE), "the re-admitted policy holds");
    }

    private static EgressPolicy policy(String json) {
        try {
            return JSON.readValue(json, EgressPolicy.class);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /**
     * A positive answer waits on the condition: right after a rule change or a refused packet the guest's ARP
     * entry for the target can be failed or incomplete, and one lost ping says nothing about the rules.
     */
    private static boolean reaches(String target) {
        return eventually(() -> ping(null, target));
    }

    private static boolean connects(String address, int port) {
        return eventually(() -> tcp(address, port, guest.hosts));
    }

    private static boolean eventually(BooleanSupplier probe) {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        do {
            if (probe.getAsBoolean()) {
                return true;
            }
        } while (System.nanoTime() < end);
        return false;
    }

    private static boolean ping(String source, String target) {
        List<String> argv = source == null ? List.of("ping", "-c", "1", "-W", "1", target)
                : List.of("ping", "-c", "1", "-W", "1", "-I", source, target);
        return guest.hosts.run(argv, TIMEOUT).ok();
    }

    private static boolean tcp(String address, int port, HostCommands from) {
        return from.run(List.of("busybox", "nc", "-w", "2", address, Integer.toString(port)), TIMEOUT,
                new byte[0]).ok();
    }

    private static long echoRequestsSeenOutside() {
        String out = check(outside.hosts, "nft", "list", "table", "ip", "count").stdout();
        int at = out.indexOf("packets ");
        return Long.parseLong(out.substring(at + 8, out.indexOf(' ', at + 8)));
    }

    private static boolean awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private static CommandResult check(HostCommands hosts, String... argv) {
        return hosts.check(List.of(argv), TIMEOUT);
    }
}
