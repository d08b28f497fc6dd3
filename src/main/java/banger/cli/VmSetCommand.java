package banger.cli;

import banger.wire.EgressPolicy;
import banger.wire.PatchVmRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** `banger vm set NAME`: changes a VM's size, labels, expiry or egress (sizes only while it is stopped). */
@Command(name = "set", description = "Change a VM's vCPUs, memory, disk size (while stopped), labels, expiry or egress"
        + " (live).")
final class VmSetCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "VM name or id.")
    private String ref;

    @Mixin
    private VmSizeOptions sizes;

    @Mixin
    private VmExpiryOptions expiry;

    @Mixin
    private VmEgressOption egress;

    @Option(names = "--json", description = "Print the VM as JSON.")
    private boolean json;

    @Override
    public Integer call() {
        EgressPolicy policy = egress.policy(spec.commandLine());
        if (sizes.none() && expiry.none() && policy == null) {
            throw new ParameterException(spec.commandLine(), "nothing to change: give --vcpus, --memory, --disk,"
                    + " --label, --ttl, --idle-timeout, --on-expiry or --egress");
        }
        PatchVmRequest patch = new PatchVmRequest(sizes.vcpus, sizes.memoryMib, sizes.diskMib, sizes.labels, policy,
                expiry.ttlS, expiry.idleTimeoutS, expiry.onExpiry);
        var changed = api().send("PATCH", ApiPaths.vm(ref), patch, ApiClient.READ_TIMEOUT);
        printVm(changed, json);
        return 0;
    }
}
