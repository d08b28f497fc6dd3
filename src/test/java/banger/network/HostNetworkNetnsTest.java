package banger.network;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** HostNetwork against the real kernel, inside a namespace the test creates and always deletes. */
class HostNetworkNetnsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @BeforeEach
    void needsRoot() {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
    }

    @Test
    void ensureIsIdempotentAndCheckFindsEverythingInPlace() {
        try (TestNetns ns = new TestNetns()) {
            HostNetwork network = new HostNetwork(ns.hosts, "bgbr0", Subnet.parse("10.203.0.0/24"));
            network.ensure();
            network.ensure();
            List<HostNetworkFinding> findings = network.check();
            assertEquals(5, findings.size());
            assertTrue(findings.stream().allMatch(HostNetworkFinding::ok), findings.toString());
            String addresses = ns.hosts.check(List.of("ip", "-o", "-4", "addr", "show", "dev", "bgbr0"), TIMEOUT).stdout();
            assertEquals(1, addresses.lines().count(), addresses);
            assertTrue(addresses.contains("10.203.0.1/24"), addresses);
            String table = ns.hosts.check(List.of("nft", "list", "table", "ip", "banger"), TIMEOUT).stdout();
            assertEquals(1, table.split("masquerade", -1).length - 1, table);
        }
    }

    @Test
    void teardownRemovesBridgeAndTableAndCheckReportsThem() {
        try (TestNetns ns = new TestNetns()) {
            HostNetwork network = new HostNetwork(ns.hosts, "bgbr0", Subnet.parse("10.203.0.0/24"));
            network.ensure();
            network.teardown();
            network.teardown();
            assertFalse(ns.hosts.run(List.of("ip", "link", "show", "dev", "bgbr0"), TIMEOUT).ok());
            assertFalse(ns.hosts.run(List.of("nft", "list", "table", "ip", "banger"), TIMEOUT).ok());
            List<HostNetworkFinding> findings = network.check();
            assertFalse(findings.get(0).ok());
            assertFalse(findings.get(4).ok());
            assertTrue(findings.get(4).detail().contains("missing"), findings.get(4).detail());
        }
    }

    @Test
    void addressMovedAwayIsRepairedByEnsure() {
        try (TestNetns ns = new TestNetns()) {
            HostNetwork network = new HostNetwork(ns.hosts, "bgbr0", Subnet.parse("10.203.0.0/24"));
            network.ensure();
            ns.hosts.check(List.of("ip", "addr", "flush", "dev", "bgbr0"), TIMEOUT);
            ns.hosts.check(List.of("ip", "link", "set", "dev", "bgbr0", "down"), TIMEOUT);
            assertFalse(network.check().get(1).ok());
            assertFalse(network.check().get(2).ok());
            network.ensure();
            assertTrue(network.check().stream().allMatch(HostNetworkFinding::ok));
        }
    }
}
