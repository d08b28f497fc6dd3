package banger.cli;

import banger.wire.CreateVmRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;


/** `banger vm create NAME`: creates a VM and, unless told not to, boots it; waits until it is running. */
@Command(name = "create", description = "Create a VM (and start it, unless --no-start).")
final class VmCreateCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Name of the new VM.")
    private String name;

    @Option(names = "--image", paramLabel = "IMAGE", description = "Image to boot (daemon default: tiny).")
    private String image;

    @Mixin
    private VmSizeOptions sizes;

    @Mixin
    private VmExpiryOptions expiry;

    @Mixin
    private VmEgressOption egress;

    @Option(names = "--no-start", description = "Only create it; `banger vm start NAME` boots it later.")
    private boolean noStart;

    @Option(names = "--json", description = "Print the VM as JSON.")
    private boolean json;

    @Override
    public Integer call() {
        CreateVmRequest request = new CreateVmRequest(name, image, sizes.vcpus, sizes.memoryMib, sizes.diskMib, !noStart,
                sizes.labels, egress.policy(spec.commandLine()), expiry.ttlS, expiry.idleTimeoutS, expiry.onExpiry);
        var created = withProgress("creating " + name,
                () -> api().send("POST", ApiPaths.VMS + "?wait=true", request, ApiClient.LIFECYCLE_TIMEOUT));
        printVm(created, json);
        return 0;
    }
}
