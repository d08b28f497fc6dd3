package banger.cli;

import banger.wire.VmView;
import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** `banger vm ls`: the VMs, optionally filtered by state and labels. */
@Command(name = "ls", description = "List VMs.")
final class VmListCommand extends ApiCommand {

    @Option(names = "--state", paramLabel = "STATE",
            description = "Only VMs in this state: created, starting, running, paused, suspending, suspended,"
                    + " stopping, stopped, failed, deleting, unknown.")
    private String state;

    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Only VMs with this label; repeatable.")
    private Map<String, String> labels;

    @Option(names = "--json", description = "Print the API's JSON ({\"vms\":[...]}).")
    private boolean json;

    @Override
    public Integer call() {
        List<Map.Entry<String, String>> query = new ArrayList<>();
        if (state != null) {
            query.add(Map.entry("state", state));
        }
        if (labels != null) {
            new TreeMap<>(labels).forEach((k, v) -> query.add(Map.entry("label", k + "=" + v)));
        }
        JsonNode answer = api().get(ApiClient.withQuery(ApiPaths.VMS, query));
        if (json) {
            printJson(answer);
            return 0;
        }
        List<VmView> vms = new ArrayList<>();
        for (JsonNode vm : answer.path("vms")) {
            vms.add(api().convert(vm, VmView.class));
        }
        VmPrinter.table(vms, root().environment().clock().instant(), out());
        return 0;
    }
}
