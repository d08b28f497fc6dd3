package banger.network;

import banger.host.CommandResult;
import banger.host.HostCommands;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The iptables fallback and argument checks, with a recording fake (no nft on such hosts). */
class HostNetworkTest {

    /** A host with iptables but no nft, where no rule exists yet. */
    private static final class IptablesOnlyHost implements HostCommands {
        final List<String> calls = new ArrayList<>();

        @Override
        public CommandResult run(List<String> argv, Duration timeout, byte[] stdin) {
            String joined = String.join(" ", argv);
            calls.add(joined);
            boolean missing = joined.startsWith("iptables -w -t ") && argv.get(4).equals("-C")
                    || joined.startsWith("ip -d -o link show");
            return new CommandResult(argv, missing ? 1 : 0, "", "");
        }

        @Override
        public long startDetached(List<String> argv, Path output) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean available(String program) {
            return program.equals("iptables");
        }
    }

    @Test
    void iptablesFallbackInsertsMasqueradeAndForwardRules() {
        IptablesOnlyHost host = new IptablesOnlyHost();
        new HostNetwork(host, "banger0", Subnet.parse("172.30.0.0/24")).ensure();
        assertTrue(host.calls.contains("ip link add name banger0 type bridge"), host.calls.toString());
        assertTrue(host.calls.contains("ip addr replace 172.30.0.1/24 dev banger0"));
        assertTrue(host.calls.contains("sysctl -w net.ipv4.ip_forward=1"));
        assertTrue(host.calls.contains("iptables -w -t nat -I POSTROUTING -s 172.30.0.0/24 ! -o banger0 "
                + "-m comment --comment banger -j MASQUERADE"), host.calls.toString());
        assertTrue(host.calls.contains("iptables -w -t filter -I FORWARD -i banger0 -m comment --comment banger -j ACCEPT"));
        assertEquals(3, host.calls.stream().filter(c -> c.contains(" -I ")).count());
    }

    @Test
    void nftRulesetReplacesOnlyBangersTable() {
        String ruleset = new HostNetwork(new IptablesOnlyHost(), "banger0", Subnet.parse("172.30.0.0/24")).nftRuleset();
        assertTrue(ruleset.startsWith("table ip banger {}\ndelete table ip banger\n"), ruleset);
        assertTrue(ruleset.contains("ip saddr 172.30.0.0/24 oifname != \"banger0\" masquerade"), ruleset);
    }

    @Test
    void bridgeNameThatCouldBreakRulesIsRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> new HostNetwork(new IptablesOnlyHost(), "br\"; flush ruleset", Subnet.parse("172.30.0.0/24")));
        assertThrows(IllegalArgumentException.class,
                () -> new HostNetwork(new IptablesOnlyHost(), "a-name-too-long-x", Subnet.parse("172.30.0.0/24")));
    }
}
