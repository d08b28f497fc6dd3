package banger.cli;

import banger.vm.PatchVmRequest;
import banger.vm.VmView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

import java.util.Map;

/** `banger vm set NAME`: changes a VM's size or labels (sizes only while it is stopped). */
@Command(name = "set", description = "Change a VM's vCPUs, memory, disk size (while stopped) or labels.")
final class VmSetCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "VM name or id.")
    private String ref;

    @Option(names = "--vcpus", paramLabel = "N", description = "Virtual CPUs.")
    private Integer vcpus;

    @Option(names = "--memory", paramLabel = "MIB", description = "Memory in MiB.")
    private Integer memoryMib;

    @Option(names = "--disk", paramLabel = "MIB", description = "Disk size in MiB (grow only).")
    private Integer diskMib;

    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A label; repeatable.")
    private Map<String, String> labels;

    @Option(names = "--json", description = "Print the VM as JSON.")
    private boolean json;

    @Override
    public Integer call() {
        if (vcpus == null && memoryMib == null && diskMib == null && labels == null) {
            throw new ParameterException(spec.commandLine(),
                    "nothing to change: give --vcpus, --memory, --disk or --label");
        }
        var changed = api().send("PATCH", ApiPaths.vm(ref), new PatchVmRequest(vcpus, memoryMib, diskMib, labels),
                ApiClient.READ_TIMEOUT);
        if (json) {
            printJson(changed);
        } else {
            VmPrinter.details(api().convert(changed, VmView.class), root().environment().clock().instant(), out());
        }
        return 0;
    }
}
