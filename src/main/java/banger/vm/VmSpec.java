package banger.vm;

import banger.persistence.JsonSerializable;
import java.util.Map;

/** The durable description of a VM: what it is made of, not what the kernel currently holds for it. */
public record VmSpec(
        String id,
        String name,
        String image,
        int vcpus,
        int memoryMib,
        int diskMib,
        String address,
        Map<String, String> labels) implements JsonSerializable {

    public VmSpec withSizes(int vcpus, int memoryMib, int diskMib) {
        return new VmSpec(id, name, image, vcpus, memoryMib, diskMib, address, labels);
    }

    public VmSpec withLabels(Map<String, String> labels) {
        return new VmSpec(id, name, image, vcpus, memoryMib, diskMib, address, Map.copyOf(labels));
    }
}
