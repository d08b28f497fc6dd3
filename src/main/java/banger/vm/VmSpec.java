package banger.vm;

import banger.persistence.JsonSerializable;
import banger.wire.EgressPolicy;
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
        Map<String, String> labels,
        EgressPolicy egress,
        VmExpiry expiry) implements JsonSerializable {

    public VmSpec {
        egress = EgressPolicy.orDefault(egress);
    }

    public VmSpec(String id, String name, String image, int vcpus, int memoryMib, int diskMib, String address,
                  Map<String, String> labels, EgressPolicy egress) {
        this(id, name, image, vcpus, memoryMib, diskMib, address, labels, egress, null);
    }

    /** The expiry rules; specs journaled before they existed have none. */
    public VmExpiry expiryOrNone() {
        return expiry == null ? VmExpiry.NONE : expiry;
    }

    public VmSpec withExpiry(VmExpiry expiry) {
        return new VmSpec(id, name, image, vcpus, memoryMib, diskMib, address, labels, egress, expiry);
    }

    public VmSpec(String id, String name, String image, int vcpus, int memoryMib, int diskMib, String address,
                  Map<String, String> labels) {
        this(id, name, image, vcpus, memoryMib, diskMib, address, labels, EgressPolicy.ALLOW);
    }

    public VmSpec withSizes(int vcpus, int memoryMib, int diskMib) {
        return new VmSpec(id, name, image, vcpus, memoryMib, diskMib, address, labels, egress, expiry);
    }

    public VmSpec withLabels(Map<String, String> labels) {
        return new VmSpec(id, name, image, vcpus, memoryMib, diskMib, address, Map.copyOf(labels), egress, expiry);
    }

    public VmSpec withEgress(EgressPolicy egress) {
        return new VmSpec(id, name, image, vcpus, memoryMib, diskMib, address, labels, egress, expiry);
    }
}
