package banger.wire;

import banger.wire.EgressPolicy;
import java.util.Map;

/** Body of POST /v1/vms. Null fields take the configured defaults. */
public record CreateVmRequest(
        String name,
        String image,
        Integer vcpus,
        Integer memoryMib,
        Integer diskMib,
        Boolean start,
        Map<String, String> labels,
        EgressPolicy egress,
        Integer ttlS,
        Integer idleTimeoutS,
        String onExpiry) {

    public CreateVmRequest(String name, String image, Integer vcpus, Integer memoryMib, Integer diskMib, Boolean start,
                           Map<String, String> labels, EgressPolicy egress) {
        this(name, image, vcpus, memoryMib, diskMib, start, labels, egress, null, null, null);
    }

    public CreateVmRequest(String name, String image, Integer vcpus, Integer memoryMib, Integer diskMib, Boolean start,
                           Map<String, String> labels) {
        this(name, image, vcpus, memoryMib, diskMib, start, labels, null);
    }
}
