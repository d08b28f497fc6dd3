package banger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `banger vm forward VM [HOST:]PORT:GUEST_PORT`: a host port that reaches a guest port; also lists and removes. */
@Command(name = "forward", description = {
        "Forward a host port to a port of the guest: [HOST:]PORT:GUEST_PORT (PORT 0: any free port; HOST defaults "
                + "to 127.0.0.1). Without a spec, --list lists the VM's forwards; --remove ID removes one."})
final class VmForwardCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "VM", description = "VM name or id.")
    private String vm;

    @Parameters(index = "1", arity = "0..1", paramLabel = "[HOST:]PORT:GUEST_PORT", description = "What to forward.")
    private String spec;

    @Option(names = "--list", description = "List the VM's forwards.")
    private boolean list;

    @Option(names = "--remove", paramLabel = "ID", description = "Remove the forward with this id.")
    private String remove;

    @Option(names = "--json", description = "Print the API's JSON.")
    private boolean json;

    @Override
    public Integer call() {
        int wanted = (spec != null ? 1 : 0) + (list ? 1 : 0) + (remove != null ? 1 : 0);
        if (wanted != 1) {
            throw new CliError("give exactly one of [HOST:]PORT:GUEST_PORT, --list, --remove ID");
        }
        if (remove != null) {
            JsonNode removed = api().send("DELETE", ApiPaths.vm(vm, "forwards") + "/" + ApiClient.segment(remove),
                    null, ApiClient.READ_TIMEOUT);
            return print(removed, "removed " + describe(removed));
        }
        if (list) {
            JsonNode answer = api().get(ApiPaths.vm(vm, "forwards"));
            if (json) {
                printJson(answer);
                return 0;
            }
            TextTable table = new TextTable("ID", "HOST", "GUEST PORT", "ERROR");
            for (JsonNode f : answer.path("forwards")) {
                table.row(f.path("id").asText(), hostOf(f), f.path("guest_port").asInt(),
                        f.path("error").isTextual() ? f.path("error").asText() : null);
            }
            table.print(out());
            out().flush();
            return 0;
        }
        JsonNode created = api().send("POST", ApiPaths.vm(vm, "forwards"), parse(spec), ApiClient.READ_TIMEOUT);
        return print(created, describe(created));
    }

    private int print(JsonNode forward, String line) {
        if (json) {
            printJson(forward);
        } else {
            out().println(line);
            out().flush();
        }
        return 0;
    }

    private static String describe(JsonNode f) {
        return f.path("id").asText() + ": " + hostOf(f) + " -> " + f.path("vm").asText() + ":"
                + f.path("guest_port").asInt();
    }

    private static String hostOf(JsonNode f) {
        String address = f.path("host_address").asText();
        return (address.contains(":") ? "[" + address + "]" : address) + ":" + f.path("host_port").asInt();
    }

    /** [HOST:]PORT:GUEST_PORT, HOST an IPv4 address or a bracketed IPv6 one, into the request body. */
    static Map<String, Object> parse(String spec) {
        int last = spec.lastIndexOf(':');
        if (last <= 0) {
            throw new CliError("expected [HOST:]PORT:GUEST_PORT, got \"" + spec + "\"");
        }
        String rest = spec.substring(0, last);
        int guestPort = port(spec.substring(last + 1), spec);
        int split = rest.lastIndexOf(':');
        String host = null;
        String hostPort = rest;
        if (split >= 0) {
            host = rest.substring(0, split);
            hostPort = rest.substring(split + 1);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            if (host.isEmpty()) {
                throw new CliError("expected [HOST:]PORT:GUEST_PORT, got \"" + spec + "\"");
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("guest_port", guestPort);
        body.put("host_port", port(hostPort, spec));
        if (host != null) {
            body.put("host_address", host);
        }
        return body;
    }

    private static int port(String text, String spec) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new CliError("not a port: \"" + text + "\" in \"" + spec + "\"");
        }
    }
}
