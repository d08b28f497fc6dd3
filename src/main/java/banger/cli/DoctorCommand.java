package banger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `banger doctor`: the daemon's checks of this host; exits 1 if any failed. */
@Command(name = "doctor", description = "Check the host for what banger needs; exits 1 if any check fails.")
final class DoctorCommand extends ApiCommand {

    @Option(names = "--json", description = "Print the API's JSON ({\"checks\":[...]}).")
    private boolean json;

    @Override
    public Integer call() {
        JsonNode answer = api().get(ApiPaths.DOCTOR);
        boolean anyFailed = false;
        TextTable table = new TextTable("NAME", "STATUS", "DETAIL", "FIX");
        for (JsonNode check : answer.path("checks")) {
            String status = check.path("status").asText();
            anyFailed |= "FAIL".equals(status);
            table.row(check.path("name").asText(), status, text(check, "detail"), text(check, "fix"));
        }
        if (json) {
            printJson(answer);
        } else {
            table.print(out());
        }
        return anyFailed ? 1 : 0;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
