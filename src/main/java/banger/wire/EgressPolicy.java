package banger.wire;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where a VM's guest may open connections beyond its own subnet. In JSON: {@code "allow"} (anything through
 * NAT), {@code "deny"} (nothing), or a list of rules {@code [{"cidr":"203.0.113.0/24","ports":[443]}]}, each
 * letting TCP and UDP through to that network on those ports (all ports when {@code ports} is absent or empty).
 * Link-local and, unless the host allows them, private ranges stay unreachable whatever the policy says.
 */
public record EgressPolicy(Mode mode, List<Rule> rules) {

    /** Rules per VM: each one becomes nft set elements. */
    public static final int MAX_RULES = 64;
    public static final int MAX_PORTS = 32;
    public static final EgressPolicy ALLOW = new EgressPolicy(Mode.ALLOW, List.of());
    public static final EgressPolicy DENY = new EgressPolicy(Mode.DENY, List.of());

    public enum Mode { ALLOW, DENY, RULES }

    /**
     * @param cidr  an IPv4 network, "A.B.C.D/N" with no host bits set (a bare address means /32)
     * @param ports TCP/UDP destination ports, 1-65535; empty for all
     */
    public record Rule(String cidr, List<Integer> ports) {

        public Rule {
            cidr = canonicalCidr(cidr);
            ports = ports == null ? List.of() : List.copyOf(new LinkedHashSet<>(ports));
            if (ports.size() > MAX_PORTS) {
                throw new IllegalArgumentException("at most " + MAX_PORTS + " ports per rule");
            }
            for (Integer port : ports) {
                if (port == null || port < 1 || port > 65535) {
                    throw new IllegalArgumentException("port " + port + " is not 1-65535");
                }
            }
        }

        /** The network address as an unsigned 32-bit value. */
        public long network() {
            return address(cidr.substring(0, cidr.indexOf('/')));
        }

        public int prefix() {
            return Integer.parseInt(cidr.substring(cidr.indexOf('/') + 1));
        }
    }

    public EgressPolicy {
        if (mode == null) {
            throw new IllegalArgumentException("egress mode missing");
        }
        rules = rules == null ? List.of() : List.copyOf(rules);
        if (mode != Mode.RULES && !rules.isEmpty()) {
            throw new IllegalArgumentException("only a rule list carries rules");
        }
        if (rules.size() > MAX_RULES) {
            throw new IllegalArgumentException("at most " + MAX_RULES + " egress rules");
        }
    }

    /** Null (an old record, or a request that does not say) means the default, allow. */
    public static EgressPolicy orDefault(EgressPolicy policy) {
        return policy == null ? ALLOW : policy;
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static EgressPolicy fromJson(JsonNode json) {
        if (json.isTextual()) {
            return switch (json.asText()) {
                case "allow" -> ALLOW;
                case "deny" -> DENY;
                default -> throw new IllegalArgumentException(
                        "egress must be \"allow\", \"deny\" or a list of {\"cidr\", \"ports\"} rules");
            };
        }
        if (!json.isArray()) {
            throw new IllegalArgumentException(
                    "egress must be \"allow\", \"deny\" or a list of {\"cidr\", \"ports\"} rules");
        }
        List<Rule> rules = new ArrayList<>();
        int index = 0;
        for (JsonNode item : json) {
            rules.add(ruleFromJson(item, index++));
        }
        if (rules.isEmpty()) {
            throw new IllegalArgumentException("an empty rule list would deny everything: say \"deny\"");
        }
        return new EgressPolicy(Mode.RULES, rules);
    }

    private static Rule ruleFromJson(JsonNode item, int index) {
        String where = "egress rule " + index + ": ";
        if (!item.isObject()) {
            throw new IllegalArgumentException(where + "must be an object {\"cidr\": ..., \"ports\": [...]}");
        }
        for (Iterator<String> names = item.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("cidr") && !name.equals("ports")) {
                throw new IllegalArgumentException(where + "unknown field \"" + name + "\"");
            }
        }
        if (!item.path("cidr").isTextual()) {
            throw new IllegalArgumentException(where + "cidr must be a string");
        }
        JsonNode portsJson = item.path("ports");
        List<Integer> ports = new ArrayList<>();
        if (!portsJson.isMissingNode() && !portsJson.isNull()) {
            if (!portsJson.isArray()) {
                throw new IllegalArgumentException(where + "ports must be an array of integers");
            }
            for (JsonNode port : portsJson) {
                if (!port.isIntegralNumber() || !port.canConvertToInt()) {
                    throw new IllegalArgumentException(where + "ports must be an array of integers 1-65535");
                }
                ports.add(port.asInt());
            }
        }
        try {
            return new Rule(item.path("cidr").asText(), ports);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + e.getMessage(), e);
        }
    }

    @JsonValue
    public JsonNode toJson() {
        if (mode == Mode.ALLOW) {
            return TextNode.valueOf("allow");
        }
        if (mode == Mode.DENY) {
            return TextNode.valueOf("deny");
        }
        ArrayNode list = JsonNodeFactory.instance.arrayNode();
        for (Rule rule : rules) {
            ObjectNode item = list.addObject();
            item.put("cidr", rule.cidr());
            ArrayNode ports = item.putArray("ports");
            rule.ports().forEach(ports::add);
        }
        return list;
    }

    @Override
    public String toString() {
        return toJson().toString();
    }

    private static String canonicalCidr(String cidr) {
        if (cidr == null || cidr.length() > 18) {
            throw new IllegalArgumentException("cidr '" + cidr + "' is not A.B.C.D/N");
        }
        int slash = cidr.indexOf('/');
        String addr = slash < 0 ? cidr : cidr.substring(0, slash);
        String prefixText = slash < 0 ? "32" : cidr.substring(slash + 1);
        if (!prefixText.matches("[0-9]{1,2}") || Integer.parseInt(prefixText) > 32) {
            throw new IllegalArgumentException("cidr '" + cidr + "' has no prefix length 0-32");
        }
        int prefix = Integer.parseInt(prefixText);
        long value = address(addr);
        long mask = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
        if ((value & ~mask & 0xFFFFFFFFL) != 0) {
            throw new IllegalArgumentException("cidr '" + cidr + "' has host bits set");
        }
        return addr + "/" + prefix;
    }

    private static long address(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
        }
        long value = 0;
        for (String part : parts) {
            if (!part.matches("[0-9]{1,3}") || Integer.parseInt(part) > 255 || (part.length() > 1 && part.startsWith("0"))) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
            }
            value = (value << 8) | Integer.parseInt(part);
        }
        return value;
    }

    /** The distinct networks of the rules, in order (for sets whose elements must not repeat). */
    public Set<String> cidrs() {
        Set<String> cidrs = new LinkedHashSet<>();
        rules.forEach(r -> cidrs.add(r.cidr()));
        return cidrs;
    }
}
