package banger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `banger vm show NAME`: everything the API says about one VM. */
@Command(name = "show", description = "Show one VM.")
final class VmShowCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "VM name or id.")
    private String ref;

    @Option(names = "--json", description = "Print the API's JSON.")
    private boolean json;

    @Override
    public Integer call() {
        JsonNode vm = api().get(ApiPaths.vm(ref));
        printVm(vm, json);
        return 0;
    }
}
