package banger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `banger vm ports VM`: what listens in the guest. */
@Command(name = "ports", description = "List the guest's listening TCP and UDP ports.")
final class VmPortsCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "VM", description = "VM name or id.")
    private String vm;

    @Option(names = "--json", description = "Print the API's JSON.")
    private boolean json;

    @Override
    public Integer call() {
        JsonNode answer = api().get(ApiPaths.vm(vm, "ports"));
        if (json) {
            printJson(answer);
            return 0;
        }
        TextTable table = new TextTable("PROTO", "ADDRESS", "PORT", "PID", "PROCESS");
        for (JsonNode p : answer.path("ports")) {
            table.row(p.path("protocol").asText(), p.path("address").asText(), p.path("port").asInt(),
                    p.path("pid").isNumber() ? p.path("pid").asInt() : null,
                    p.path("process").isTextual() ? p.path("process").asText() : null);
        }
        table.print(out());
        out().flush();
        return 0;
    }
}
