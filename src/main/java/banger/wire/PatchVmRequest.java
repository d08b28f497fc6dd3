package banger.wire;

import banger.wire.EgressPolicy;
import java.util.Map;

/** Body of PATCH /v1/vms/{ref}. Only non-null fields change. */
public record PatchVmRequest(Integer vcpus, Integer memoryMib, Integer diskMib, Map<String, String> labels,
                             EgressPolicy egress, Integer ttlS, Integer idleTimeoutS, String onExpiry) {

    public PatchVmRequest(Integer vcpus, Integer memoryMib, Integer diskMib, Map<String, String> labels,
                          EgressPolicy egress) {
        this(vcpus, memoryMib, diskMib, labels, egress, null, null, null);
    }

    public PatchVmRequest(Integer vcpus, Integer memoryMib, Integer diskMib, Map<String, String> labels) {
        this(vcpus, memoryMib, diskMib, labels, null);
    }
}
