package banger.network;

import banger.host.CommandResult;
import banger.host.HostCommandException;
import banger.host.HostCommands;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The host side of guest networking: a bridge carrying the gateway address, IPv4 forwarding, and NAT for the
 * guest subnet. NAT lives in an nftables table of banger's own (`table ip banger`), replaced atomically, so
 * {@link #ensure()} is idempotent and {@link #teardown()} touches nothing else; iptables rules tagged with a
 * "banger" comment stand in where nft is missing.
 */
public final class HostNetwork {

    static final String NFT_TABLE = "banger";
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final String COMMENT = "banger";

    private final HostCommands hosts;
    private final String bridge;
    private final Subnet subnet;

    public HostNetwork(HostCommands hosts, String bridge, Subnet subnet) {
        this.hosts = hosts;
        this.bridge = InterfaceNames.requireValid(bridge);
        this.subnet = subnet;
    }

    public String bridge() {
        return bridge;
    }

    public Subnet subnet() {
        return subnet;
    }

    /** Creates or repairs the bridge, its address, forwarding and NAT. Safe to call on every daemon start. */
    public void ensure() {
        CommandResult link = hosts.run(List.of("ip", "-d", "-o", "link", "show", "dev", bridge), TIMEOUT);
        if (!link.ok()) {
            hosts.check(List.of("ip", "link", "add", "name", bridge, "type", "bridge"), TIMEOUT);
        } else if (!isBridge(link.stdout())) {
            throw new HostCommandException("interface " + bridge + " exists but is not a bridge; pick another banger.network.bridge");
        }
        hosts.check(List.of("ip", "addr", "replace", subnet.gatewayCidr(), "dev", bridge), TIMEOUT);
        hosts.check(List.of("ip", "link", "set", "dev", bridge, "up"), TIMEOUT);
        hosts.check(List.of("sysctl", "-w", "net.ipv4.ip_forward=1"), TIMEOUT);
        if (useNft()) {
            hosts.run(List.of("nft", "-f", "-"), TIMEOUT, nftRuleset().getBytes(StandardCharsets.UTF_8)).orThrow();
        } else {
            for (List<String> rule : iptablesRules()) {
                if (!hosts.run(iptables("-C", rule), TIMEOUT).ok()) {
                    hosts.check(iptables("-I", rule), TIMEOUT);
                }
            }
        }
    }

    /** Removes banger's NAT rules and the bridge. Leaves IPv4 forwarding alone: other software may need it. */
    public void teardown() {
        if (useNft()) {
            if (hosts.run(List.of("nft", "list", "table", "ip", NFT_TABLE), TIMEOUT).ok()) {
                hosts.check(List.of("nft", "delete", "table", "ip", NFT_TABLE), TIMEOUT);
            }
        } else {
            for (List<String> rule : iptablesRules()) {
                while (hosts.run(iptables("-C", rule), TIMEOUT).ok()) {
                    hosts.check(iptables("-D", rule), TIMEOUT);
                }
            }
        }
        if (hosts.run(List.of("ip", "-o", "link", "show", "dev", bridge), TIMEOUT).ok()) {
            hosts.check(List.of("ip", "link", "del", "dev", bridge), TIMEOUT);
        }
    }

    /** What holds and what does not, without changing anything. */
    public List<HostNetworkFinding> check() {
        List<HostNetworkFinding> findings = new ArrayList<>();
        CommandResult link = hosts.run(List.of("ip", "-d", "-o", "link", "show", "dev", bridge), TIMEOUT);
        boolean present = link.ok() && isBridge(link.stdout());
        findings.add(new HostNetworkFinding("bridge " + bridge + " present", present,
                !link.ok() ? "missing" : present ? "bridge" : "exists but is not a bridge"));
        findings.add(new HostNetworkFinding("bridge " + bridge + " up", link.ok() && isAdminUp(link.stdout()),
                link.ok() ? flags(link.stdout()) : "missing"));
        CommandResult addr = hosts.run(List.of("ip", "-o", "-4", "addr", "show", "dev", bridge), TIMEOUT);
        boolean hasGateway = addr.ok() && addr.stdout().contains(" " + subnet.gatewayCidr() + " ");
        findings.add(new HostNetworkFinding("bridge " + bridge + " has " + subnet.gatewayCidr(), hasGateway,
                addr.ok() ? addresses(addr.stdout()) : "missing"));
        CommandResult forwarding = hosts.run(List.of("sysctl", "-n", "net.ipv4.ip_forward"), TIMEOUT);
        findings.add(new HostNetworkFinding("IPv4 forwarding", forwarding.ok() && forwarding.stdout().strip().equals("1"),
                forwarding.ok() ? "net.ipv4.ip_forward=" + forwarding.stdout().strip() : forwarding.stderr().strip()));
        findings.add(natFinding());
        return findings;
    }

    private HostNetworkFinding natFinding() {
        String name = "NAT for " + subnet;
        if (useNft()) {
            CommandResult table = hosts.run(List.of("nft", "list", "table", "ip", NFT_TABLE), TIMEOUT);
            boolean ok = table.ok() && table.stdout().contains("ip saddr " + subnet) && table.stdout().contains("masquerade");
            return new HostNetworkFinding(name, ok, table.ok()
                    ? (ok ? "nft table ip " + NFT_TABLE + " masquerades" : "nft table ip " + NFT_TABLE + " lacks the masquerade rule")
                    : "nft table ip " + NFT_TABLE + " missing");
        }
        if (!hosts.available("iptables")) {
            return new HostNetworkFinding(name, false, "neither nft nor iptables is installed");
        }
        boolean ok = iptablesRules().stream().allMatch(rule -> hosts.run(iptables("-C", rule), TIMEOUT).ok());
        return new HostNetworkFinding(name, ok, ok ? "iptables rules present" : "iptables rules missing");
    }

    private boolean useNft() {
        if (hosts.available("nft")) {
            return true;
        }
        if (hosts.available("iptables")) {
            return false;
        }
        throw new HostCommandException("neither nft nor iptables is installed; guest NAT needs one of them");
    }

    String nftRuleset() {
        // declaring then deleting the table makes the replacement atomic whether or not it existed
        return "table ip " + NFT_TABLE + " {}\n"
                + "delete table ip " + NFT_TABLE + "\n"
                + "table ip " + NFT_TABLE + " {\n"
                + "  chain postrouting {\n"
                + "    type nat hook postrouting priority srcnat; policy accept;\n"
                + "    ip saddr " + subnet + " oifname != \"" + bridge + "\" masquerade\n"
                + "  }\n"
                + "  chain forward {\n"
                + "    type filter hook forward priority filter; policy accept;\n"
                + "    iifname \"" + bridge + "\" accept\n"
                + "    oifname \"" + bridge + "\" ct state established,related accept\n"
                + "  }\n"
                + "}\n";
    }

    private List<List<String>> iptablesRules() {
        return List.of(
                List.of("nat", "POSTROUTING", "-s", subnet.toString(), "!", "-o", bridge,
                        "-m", "comment", "--comment", COMMENT, "-j", "MASQUERADE"),
                List.of("filter", "FORWARD", "-i", bridge, "-m", "comment", "--comment", COMMENT, "-j", "ACCEPT"),
                List.of("filter", "FORWARD", "-o", bridge, "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED",
                        "-m", "comment", "--comment", COMMENT, "-j", "ACCEPT"));
    }

    private static List<String> iptables(String action, List<String> rule) {
        List<String> argv = new ArrayList<>(List.of("iptables", "-w", "-t", rule.get(0), action, rule.get(1)));
        argv.addAll(rule.subList(2, rule.size()));
        return argv;
    }

    private static boolean isBridge(String detailedLink) {
        return detailedLink.contains(" bridge ");
    }

    private static boolean isAdminUp(String link) {
        return List.of(flags(link).split(",")).contains("UP");
    }

    private static String flags(String link) {
        int open = link.indexOf('<');
        int close = link.indexOf('>', open + 1);
        return open >= 0 && close > open ? link.substring(open + 1, close) : "";
    }

    private static String addresses(String addrOutput) {
        List<String> found = new ArrayList<>();
        for (String line : addrOutput.split("\n")) {
            String[] words = line.trim().split("\\s+");
            for (int i = 0; i + 1 < words.length; i++) {
                if (words[i].equals("inet")) {
                    found.add(words[i + 1]);
                }
            }
        }
        return found.isEmpty() ? "no IPv4 address" : String.join(", ", found);
    }
}
