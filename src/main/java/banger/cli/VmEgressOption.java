package banger.cli;

import banger.wire.EgressPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The egress policy `vm create` and `vm set` both take (a picocli mixin), in the API's three forms. */
final class VmEgressOption {

    @Option(names = "--egress", paramLabel = "POLICY",
            description = "allow (internet through NAT), deny, or rules: CIDR[:PORT,...], repeated for each rule.")
    List<String> values = List.of();

    /** Null when not given; else the policy, checked as the API checks it (a bad one is a usage error). */
    EgressPolicy policy(CommandLine command) {
        try {
            return parsed();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(command, "--egress: " + e.getMessage());
        }
    }

    private EgressPolicy parsed() {
        if (values.isEmpty()) {
            return null;
        }
        if (values.size() == 1 && (values.get(0).equals("allow") || values.get(0).equals("deny"))) {
            return values.get(0).equals("allow") ? EgressPolicy.ALLOW : EgressPolicy.DENY;
        }
        List<EgressPolicy.Rule> rules = new ArrayList<>();
        for (String value : values) {
            int colon = value.indexOf(':');
            List<Integer> ports = new ArrayList<>();
            if (colon >= 0) {
                for (String port : value.substring(colon + 1).split(",")) {
                    try {
                        ports.add(Integer.parseInt(port.strip()));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(value + ": '" + port + "' is not a port");
                    }
                }
            }
            rules.add(new EgressPolicy.Rule(colon >= 0 ? value.substring(0, colon) : value, ports));
        }
        return new EgressPolicy(EgressPolicy.Mode.RULES, rules);
    }

    /** How `vm show` writes a policy: allow, deny, or the rules as --egress takes them. */
    static String describe(EgressPolicy policy) {
        EgressPolicy p = EgressPolicy.orDefault(policy);
        return switch (p.mode()) {
            case ALLOW -> "allow";
            case DENY -> "deny";
            case RULES -> p.rules().stream().map(r -> r.ports().isEmpty() ? r.cidr()
                    : r.cidr() + ":" + r.ports().stream().map(String::valueOf).collect(Collectors.joining(",")))
                    .collect(Collectors.joining(" "));
        };
    }
}
