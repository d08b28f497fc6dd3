package banger.cli;

import banger.wire.HistoryEntry;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `banger vm history NAME`: the VM's journal of lifecycle events. */
@Command(name = "history", description = "Show a VM's lifecycle events.")
final class VmHistoryCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "VM name or id.")
    private String ref;

    @Option(names = "--json", description = "Print the API's JSON ({\"events\":[...]}).")
    private boolean json;

    @Override
    public Integer call() throws JsonProcessingException {
        JsonNode answer = api().get(ApiPaths.vm(ref, "history"));
        if (json) {
            printJson(answer);
            return 0;
        }
        ObjectMapper mapper = ApiJson.mapper();
        TextTable table = new TextTable("SEQ", "AT", "TYPE", "DATA");
        for (JsonNode node : answer.path("events")) {
            HistoryEntry entry = api().convert(node, HistoryEntry.class);
            boolean noData = entry.data() == null || entry.data().isEmpty();
            table.row(entry.seq(), entry.at(), entry.type(), noData ? null : mapper.writeValueAsString(entry.data()));
        }
        table.print(out());
        return 0;
    }
}
