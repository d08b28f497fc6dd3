package banger.cli;

import banger.vm.CreateVmRequest;
import banger.vm.VmView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Map;

/** `banger vm create NAME`: creates a VM and, unless told not to, boots it; waits until it is running. */
@Command(name = "create", description = "Create a VM (and start it, unless --no-start).")
final class VmCreateCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Name of the new VM.")
    private String name;

    @Option(names = "--image", paramLabel = "IMAGE", description = "Image to boot (daemon default: tiny).")
    private String image;

    @Option(names = "--vcpus", paramLabel = "N", description = "Virtual CPUs.")
    private Integer vcpus;

    @Option(names = "--memory", paramLabel = "MIB", description = "Memory in MiB.")
    private Integer memoryMib;

    @Option(names = "--disk", paramLabel = "MIB", description = "Disk size in MiB.")
    private Integer diskMib;

    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A label; repeatable.")
    private Map<String, String> labels;

    @Option(names = "--no-start", description = "Only create it; `banger vm start NAME` boots it later.")
    private boolean noStart;

    @Option(names = "--json", description = "Print the VM as JSON.")
    private boolean json;

    @Override
    public Integer call() {
        CreateVmRequest request = new CreateVmRequest(name, image, vcpus, memoryMib, diskMib, !noStart, labels);
        var created = withProgress("creating " + name,
                () -> api().send("POST", ApiPaths.VMS + "?wait=true", request, ApiClient.LIFECYCLE_TIMEOUT));
        if (json) {
            printJson(created);
        } else {
            VmPrinter.details(api().convert(created, VmView.class), root().environment().clock().instant(), out());
        }
        return 0;
    }
}
