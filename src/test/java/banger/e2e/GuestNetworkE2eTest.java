package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import banger.host.CommandResult;
import banger.host.ProcessHostCommands;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Guest networking with two real guests: addresses, name resolution through the daemon's DNS, exec, NAT'd
 * egress, TAP return, and a namespace teardown that leaves the host as it was. The tests share the two VMs and
 * run in order: the last ones stop and delete them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GuestNetworkE2eTest {

    private static final String SUBNET_PREFIX = "172.30.0.";
    private static final int SERVER_PORT = 8080;
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private static boolean hostHadBridge;
    private static boolean hostHadNftTable;
    private static final Set<String> tapsSeen = new LinkedHashSet<>();
    private static DaemonHarness daemon;
    private static OutsideHost outside;
    private static E2eVm a;
    private static E2eVm b;

    @BeforeAll
    static void bootTwoGuests() {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        hostHadBridge = hostLinks().contains("banger0");
        hostHadNftTable = hostHasNftTable();
        daemon = DaemonHarness.start("network");
        daemon.bootstrapTinyImage();
        a = daemon.createVm("a", true);
        b = daemon.createVm("b", true);
        rememberTaps();
    }

    @AfterAll
    static void tearDownAndCheckTheHostIsClean() {
        if (daemon == null) {
            return;
        }
        String namespace = daemon.namespace();
        try {
            rememberTaps();
            if (outside != null) {
                outside.close();
            }
        } finally {
            daemon.close();
        }
        assertFalse(new ProcessHostCommands().check(List.of("ip", "netns", "list"), TIMEOUT).stdout()
                .contains(namespace), "the test namespace is gone");
        List<String> links = hostLinks();
        assertEquals(hostHadBridge, links.contains("banger0"), "no banger0 bridge left in the host namespace");
        for (String tap : tapsSeen) {
            assertFalse(links.contains(tap), "TAP " + tap + " went with the namespace");
        }
        assertEquals(hostHadNftTable, hostHasNftTable(), "no nft table ip banger left in the host namespace");
    }

    @Test
    @Order(1)
    void eachGuestGetsItsOwnAddressInTheConfiguredSubnet() {
        assertNotNull(a.address());
        assertNotNull(b.address());
        assertNotEquals(a.address(), b.address());
        for (E2eVm vm : List.of(a, b)) {
            assertTrue(vm.address().startsWith(SUBNET_PREFIX), vm.address());
            int host = Integer.parseInt(vm.address().substring(SUBNET_PREFIX.length()));
            assertTrue(host > 1 && host < 255, "neither network, gateway nor broadcast: " + vm.address());
            JsonNode ip = daemon.exec(vm.name(), "ip", "-4", "-o", "addr", "show", "dev", "eth0");
            assertTrue(ip.path("stdout").asText().contains(" " + vm.address() + "/24 "),
                    "the guest's eth0 carries " + vm.address() + ": " + ip);
        }
    }

    @Test
    @Order(2)
    void aGuestResolvesAnotherByNameThroughTheDaemonsDnsAndReachesIt() {
        JsonNode lookup = daemon.exec("a", "nslookup", "b.vm");
        assertEquals(0, lookup.path("exit_code").asInt(), lookup.toString());
        String answer = lookup.path("stdout").asText();
        assertTrue(answer.contains("Address: " + b.address()) || answer.contains("Address 1: " + b.address()),
                "b.vm resolves to " + b.address() + ": " + answer);
        assertTrue(answer.contains(SUBNET_PREFIX + "1"), "answered by the daemon's DNS on the gateway: " + answer);

        JsonNode ping = daemon.exec("a", "ping", "-c", "1", "-W", "5", "b.vm");
        assertEquals(0, ping.path("exit_code").asInt(), ping.toString());
        assertTrue(ping.path("stdout").asText().contains("from " + b.address()), ping.toString());
    }

    @Test
    @Order(3)
    void execReturnsTheCommandsStdoutStderrAndExitCode() {
        JsonNode result = daemon.exec("a", "sh", "-c", "echo hi; echo oops >&2; exit 7");
        assertEquals("hi\n", result.path("stdout").asText());
        assertEquals("oops\n", result.path("stderr").asText());
        assertEquals(7, result.path("exit_code").asInt());
        assertEquals("b\n", daemon.exec("b", "hostname").path("stdout").asText(), "exec runs in the named guest");
    }

    @Test
    @Order(4)
    void guestTrafficLeavingTheNamespaceIsMasqueradedToTheUplinkAddress() {
        outside = new OutsideHost(daemon);
        outside.serve(SERVER_PORT);
        // no -T: the guest's busybox wget segfaults with a timeout option; exec's timeout_s bounds it instead
        JsonNode fetch = daemon.exec("a", "wget", "-q", "-O", "-",
                "http://" + OutsideHost.ADDRESS + ":" + SERVER_PORT + "/");
        assertEquals(0, fetch.path("exit_code").asInt(), fetch.toString());
        assertEquals("peer " + OutsideHost.UPLINK_ADDRESS + "\n", fetch.path("stdout").asText(),
                "the server saw the NAT'd uplink address, not the guest's " + a.address());
        DaemonHarness.await("the server's record of the connection", TIMEOUT,
                () -> outside.served().contains("peer " + OutsideHost.UPLINK_ADDRESS));
    }

    @Test
    @Order(5)
    void stoppingAGuestReturnsItsTapToThePool() {
        String tap = daemon.tapOf(b.id());
        assertNotNull(tap, "a running VM's handles.json names its TAP");
        assertEquals(1, HostProcesses.matching("ifname=" + tap + ",").size(), "b's qemu holds " + tap);

        assertEquals("stopped", daemon.action("b", "stop").state());
        assertEquals(List.of(), HostProcesses.matching("ifname=" + tap + ","), "no qemu holds " + tap + " any more");
        DaemonHarness.await(tap + " idle on the bridge or removed", TIMEOUT, () -> {
            CommandResult link = daemon.inNetns(List.of("ip", "-o", "link", "show", "dev", tap));
            return !link.ok() || (link.stdout().contains("master banger0") && link.stdout().contains("NO-CARRIER"));
        });
        JsonNode checks = daemon.expect(200, daemon.get("/v1/doctor")).json().path("checks");
        assertTrue(checks.size() > 0, checks.toString());
        for (JsonNode check : checks) {
            assertNotEquals("FAIL", check.path("status").asText(), "doctor: " + check);
        }
        assertEquals("0\n", daemon.exec("a", "sh", "-c", "echo $?").path("stdout").asText(),
                "the other guest is unaffected");
    }

    @Test
    @Order(6)
    void deletingBothGuestsLeavesNoVmmAndNoFiles() {
        rememberTaps();
        for (E2eVm vm : List.of(a, b)) {
            assertEquals("deleted", daemon.deleteVm(vm.id()).state());
            assertEquals(List.of(), HostProcesses.matching(vm.marker()), "no VMM left for " + vm.name());
            assertFalse(Files.exists(daemon.vmDir(vm.id())), "no files left for " + vm.name());
        }
        assertEquals(List.of(), daemon.listVms());
        assertEquals(List.of(), HostProcesses.matching(daemon.stateDir().toString() + "/vms/"));
    }

    /** Every bgt* TAP in the daemon's namespace now, so teardown can check none of them leaks to the host. */
    private static void rememberTaps() {
        CommandResult links = daemon.inNetns(List.of("ip", "-o", "link", "show"));
        if (links.ok()) {
            for (String name : linkNames(links.stdout())) {
                if (name.startsWith("bgt")) {
                    tapsSeen.add(name);
                }
            }
        }
    }

    private static List<String> hostLinks() {
        return linkNames(new ProcessHostCommands().check(List.of("ip", "-o", "link", "show"), TIMEOUT).stdout());
    }

    /** Names from `ip -o link show` lines ("3: banger0: <...>", "5: veth0@if4: <...>"). */
    private static List<String> linkNames(String ipOutput) {
        List<String> names = new ArrayList<>();
        for (String line : ipOutput.split("\n")) {
            String[] fields = line.split(": ", 3);
            if (fields.length >= 2) {
                String name = fields[1];
                int at = name.indexOf('@');
                names.add(at > 0 ? name.substring(0, at) : name);
            }
        }
        return names;
    }

    private static boolean hostHasNftTable() {
        return new ProcessHostCommands().run(List.of("nft", "list", "table", "ip", "banger"), TIMEOUT).ok();
    }
}
