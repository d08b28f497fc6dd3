package banger.network;

import banger.host.HostCommands;
import banger.wire.EgressPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps guests to themselves on the host network, in two nftables tables of banger's own:
 * <ul>
 * <li>{@code table bridge banger}: every frame entering the bridge from a banger TAP must carry the MAC and
 * (IPv4 and ARP) the address of the VM the TAP is lent to; anything else, IPv6 and frames from idle TAPs are
 * dropped. So a guest can neither spoof another's address nor ARP-poison the segment.</li>
 * <li>{@code table ip banger_guard}: forwarding from the bridge never reaches link-local (169.254/16, cloud
 * metadata services) and, unless {@code allowPrivate}, private ranges (the host's LAN); a source outside the VM
 * subnet is dropped; traffic between guests of the subnet passes; each VM's {@link EgressPolicy} is a set of
 * elements keyed by its address. Input from the
 * bridge reaches only the gateway address (banger's DNS), not the host's other addresses.</li>
 * </ul>
 * Per-VM state is set elements, added when a TAP is lent to a VM ({@link #admit}) and removed when it is
 * given back ({@link #evict}), each change one atomic `nft -f` transaction. {@link #ensure()} rebuilds both
 * tables empty (idempotent, at daemon start); running VMs are admitted again as the daemon adopts them, and
 * until then their TAPs pass nothing. Thread-safe.
 */
public final class GuestIsolation {

    static final String BRIDGE_TABLE = "banger";
    static final String GUARD_TABLE = "banger_guard";
    static final List<String> PRIVATE_RANGES = List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10");
    static final String LINK_LOCAL = "169.254.0.0/16";
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    /** What a lent TAP is pinned to. */
    public record Admission(String tap, String mac, String address, EgressPolicy egress) {
    }

    private final HostCommands hosts;
    private final String bridge;
    private final Subnet subnet;
    private final boolean allowPrivate;
    /** TAP to what was written for it, so evict and update remove exactly that. */
    private final Map<String, Admission> admitted = new HashMap<>();

    public GuestIsolation(HostCommands hosts, String bridge, Subnet subnet, boolean allowPrivate) {
        this.hosts = hosts;
        this.bridge = InterfaceNames.requireValid(bridge);
        this.subnet = subnet;
        this.allowPrivate = allowPrivate;
    }

    /** Creates (or resets to empty) both tables. */
    public synchronized void ensure() {
        nft(ruleset());
        admitted.clear();
    }

    /** Removes both tables. */
    public synchronized void teardown() {
        for (String table : List.of("bridge " + BRIDGE_TABLE, "ip " + GUARD_TABLE)) {
            List<String> argv = new ArrayList<>(List.of("nft", "list", "table"));
            argv.addAll(List.of(table.split(" ")));
            if (hosts.run(argv, TIMEOUT).ok()) {
                nft("delete table " + table + "\n");
            }
        }
        admitted.clear();
    }

    /** Pins the TAP to this VM's MAC and address and applies its egress policy; a repeat is a no-op. */
    public synchronized void admit(Admission admission) {
        requireValid(admission);
        Admission current = admitted.get(admission.tap());
        if (admission.equals(current)) {
            return;
        }
        StringBuilder script = new StringBuilder();
        if (current != null) {
            script.append(elements("delete", current));
        }
        script.append(elements("add", admission));
        nft(script.toString());
        admitted.put(admission.tap(), admission);
    }

    /** Unpins the TAP (it then passes nothing until lent again). Unknown TAPs are ignored. */
    public synchronized void evict(String tap) {
        Admission current = admitted.get(tap);
        if (current != null) {
            nft(elements("delete", current));
            admitted.remove(tap);
        }
    }

    /** Applies a new egress policy to the VM at this address if it holds a TAP now; false if it holds none. */
    public synchronized boolean update(String address, EgressPolicy egress) {
        Optional<Admission> current = admitted.values().stream().filter(a -> a.address().equals(address)).findFirst();
        if (current.isEmpty()) {
            return false;
        }
        Admission a = current.get();
        admit(new Admission(a.tap(), a.mac(), a.address(), egress));
        return true;
    }

    String ruleset() {
        String gateway = subnet.gatewayAddress();
        String blocked = allowPrivate ? LINK_LOCAL : LINK_LOCAL + ", " + String.join(", ", PRIVATE_RANGES);
        // declaring then deleting a table makes its replacement atomic whether or not it existed
        return "table bridge " + BRIDGE_TABLE + " {}\n"
                + "delete table bridge " + BRIDGE_TABLE + "\n"
                + "table bridge " + BRIDGE_TABLE + " {\n"
                + "  set tap_mac { type ifname . ether_addr; }\n"
                + "  set tap_ip { type ifname . ipv4_addr; }\n"
                + "  chain prerouting {\n"
                + "    type filter hook prerouting priority -200; policy accept;\n"
                + "    iifname != \"" + TapPool.NAME_PREFIX + "*\" accept\n"
                + "    iifname . ether saddr != @tap_mac drop\n"
                + "    ether type arp iifname . arp saddr ether != @tap_mac drop\n"
                + "    ether type arp iifname . arp saddr ip != @tap_ip drop\n"
                + "    ether type arp accept\n"
                + "    ether type ip iifname . ip saddr != @tap_ip drop\n"
                + "    ether type ip accept\n"
                + "    drop\n"
                + "  }\n"
                + "}\n"
                + "table ip " + GUARD_TABLE + " {}\n"
                + "delete table ip " + GUARD_TABLE + "\n"
                + "table ip " + GUARD_TABLE + " {\n"
                + "  set egress_deny { type ipv4_addr; }\n"
                + "  set egress_listed { type ipv4_addr; }\n"
                + "  set egress_nets { type ipv4_addr . ipv4_addr; flags interval; }\n"
                + "  set egress_ports { type ipv4_addr . ipv4_addr . inet_proto . inet_service; flags interval; }\n"
                + "  chain forward {\n"
                // before banger's NAT table accepts what comes from the bridge
                + "    type filter hook forward priority filter - 10; policy accept;\n"
                + "    iifname != \"" + bridge + "\" accept\n"
                + "    ip saddr != " + subnet + " drop\n"
                // guest to guest is not egress; with br_netfilter even bridged frames pass through here
                + "    ip daddr " + subnet + " accept\n"
                + "    ip daddr { " + blocked + " } drop\n"
                + "    ip saddr @egress_deny drop\n"
                + "    ip saddr @egress_listed ip saddr . ip daddr @egress_nets accept\n"
                + "    ip saddr @egress_listed meta l4proto { tcp, udp } ip saddr . ip daddr . meta l4proto . th dport @egress_ports accept\n"
                + "    ip saddr @egress_listed drop\n"
                + "  }\n"
                + "  chain input {\n"
                + "    type filter hook input priority filter - 10; policy accept;\n"
                + "    iifname \"" + bridge + "\" ip daddr != " + gateway + " drop\n"
                + "  }\n"
                + "}\n";
    }

    /** One "add element" / "delete element" line per set this admission touches. */
    String elements(String verb, Admission a) {
        StringBuilder s = new StringBuilder();
        s.append(verb).append(" element bridge ").append(BRIDGE_TABLE).append(" tap_mac { \"").append(a.tap())
                .append("\" . ").append(a.mac()).append(" }\n");
        s.append(verb).append(" element bridge ").append(BRIDGE_TABLE).append(" tap_ip { \"").append(a.tap())
                .append("\" . ").append(a.address()).append(" }\n");
        EgressPolicy egress = EgressPolicy.orDefault(a.egress());
        String guard = " element ip " + GUARD_TABLE + " ";
        if (egress.mode() == EgressPolicy.Mode.DENY) {
            s.append(verb).append(guard).append("egress_deny { ").append(a.address()).append(" }\n");
        } else if (egress.mode() == EgressPolicy.Mode.RULES) {
            s.append(verb).append(guard).append("egress_listed { ").append(a.address()).append(" }\n");
            List<String> nets = new ArrayList<>();
            List<String> ports = new ArrayList<>();
            List<EgressPolicy.Rule> rules = egress.rules();
            for (int i = 0; i < rules.size(); i++) {
                EgressPolicy.Rule rule = rules.get(i);
                if (rule.ports().isEmpty()) {
                    if (!coveredByEarlierOrWider(rules, i, null)) {
                        nets.add(a.address() + " . " + rule.cidr());
                    }
                    continue;
                }
                for (int port : rule.ports()) {
                    if (!coveredByEarlierOrWider(rules, i, port)) {
                        ports.add(a.address() + " . " + rule.cidr() + " . tcp . " + port);
                        ports.add(a.address() + " . " + rule.cidr() + " . udp . " + port);
                    }
                }
            }
            if (!nets.isEmpty()) {
                s.append(verb).append(guard).append("egress_nets { ").append(String.join(", ", nets)).append(" }\n");
            }
            if (!ports.isEmpty()) {
                s.append(verb).append(guard).append("egress_ports { ").append(String.join(", ", ports)).append(" }\n");
            }
        }
        return s.toString();
    }

    /**
     * Interval sets refuse overlapping elements: a rule's network (for one port, or for all when port is null)
     * is left out when another rule of the same kind already covers it.
     */
    private static boolean coveredByEarlierOrWider(List<EgressPolicy.Rule> rules, int index, Integer port) {
        EgressPolicy.Rule rule = rules.get(index);
        for (int j = 0; j < rules.size(); j++) {
            EgressPolicy.Rule other = rules.get(j);
            if (j == index || other.ports().isEmpty() != (port == null) || (port != null && !other.ports().contains(port))) {
                continue;
            }
            boolean contains = other.prefix() <= rule.prefix() && (rule.network() & mask(other.prefix())) == other.network();
            boolean same = other.prefix() == rule.prefix();
            if (contains && (!same || j < index)) {
                return true;
            }
        }
        return false;
    }

    private static long mask(int prefix) {
        return prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
    }

    private void requireValid(Admission a) {
        if (a.tap() == null || !a.tap().startsWith(TapPool.NAME_PREFIX) || !a.tap().matches("[A-Za-z0-9_.-]{1,15}")) {
            throw new IllegalArgumentException("not a banger TAP: " + a.tap());
        }
        if (a.mac() == null || !a.mac().matches("(?i)[0-9a-f]{2}(:[0-9a-f]{2}){5}")) {
            throw new IllegalArgumentException("bad MAC address: " + a.mac());
        }
        if (a.address() == null || !subnet.isGuestAddress(Ipv4.parse(a.address()))) {
            throw new IllegalArgumentException("not a guest address of " + subnet + ": " + a.address());
        }
    }

    private void nft(String script) {
        hosts.run(List.of("nft", "-f", "-"), TIMEOUT, script.getBytes(StandardCharsets.UTF_8)).orThrow();
    }
}
