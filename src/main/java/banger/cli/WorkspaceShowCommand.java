package banger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `banger workspace show VM`: the workspace's record and the guest's git state. */
@Command(name = "show", description = "Show the VM's workspace.")
final class WorkspaceShowCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "VM", description = "VM name or id.")
    private String vm;

    @Option(names = "--json", description = "Print the API's JSON.")
    private boolean json;

    @Override
    public Integer call() {
        JsonNode w = api().get(ApiPaths.vm(vm, "workspace"));
        if (json) {
            printJson(w);
            return 0;
        }
        out().printf("guest path:   %s%n", w.path("guest_path").asText());
        out().printf("base commit:  %s%n", Formats.orDash(text(w.path("base_commit"))));
        out().printf("guest head:   %s%n", Formats.orDash(text(w.path("head"))));
        out().printf("uncommitted:  %s%n", w.path("dirty").isBoolean() ? (w.path("dirty").asBoolean() ? "yes" : "no")
                : "-");
        out().printf("prepared at:  %s%n", w.path("prepared_at").asText());
        JsonNode export = w.path("last_export");
        out().printf("last export:  %s%n", export.isObject() ? export.path("at").asText() + " (head "
                + export.path("head").asText() + ", " + export.path("commits").asInt() + " commits)" : "-");
        out().flush();
        return 0;
    }

    private static String text(JsonNode node) {
        return node.isTextual() ? node.asText() : null;
    }
}
