package banger.wire;

import banger.wire.EgressPolicy;
import java.time.Instant;
import java.util.Map;

/**
 * What the API shows of a VM. Serialised with snake_case names by the API. {@code queuePosition} is set only
 * while the VM is {@code starting} and waits for a boot slot (1: boots next), else null.
 */
public record VmView(
        String id,
        String name,
        String state,
        String stateReason,
        String image,
        int vcpus,
        int memoryMib,
        int diskMib,
        String address,
        Long pid,
        Map<String, String> labels,
        Instant createdAt,
        Instant updatedAt,
        EgressPolicy egress,
        Integer queuePosition,
        Integer ttlS,
        Integer idleTimeoutS,
        String onExpiry,
        Instant expiresAt,
        Instant idleExpiresAt,
        SavedStateView savedState,
        LastStartView lastStart) {

    public VmView(String id, String name, String state, String stateReason, String image, int vcpus, int memoryMib,
                  int diskMib, String address, Long pid, Map<String, String> labels, Instant createdAt,
                  Instant updatedAt, EgressPolicy egress, Integer queuePosition, Integer ttlS, Integer idleTimeoutS,
                  String onExpiry, Instant expiresAt, Instant idleExpiresAt) {
        this(id, name, state, stateReason, image, vcpus, memoryMib, diskMib, address, pid, labels, createdAt,
                updatedAt, egress, queuePosition, ttlS, idleTimeoutS, onExpiry, expiresAt, idleExpiresAt, null, null);
    }

    public VmView(String id, String name, String state, String stateReason, String image, int vcpus, int memoryMib,
                  int diskMib, String address, Long pid, Map<String, String> labels, Instant createdAt,
                  Instant updatedAt, EgressPolicy egress) {
        this(id, name, state, stateReason, image, vcpus, memoryMib, diskMib, address, pid, labels, createdAt,
                updatedAt, egress, null, null, null, null, null, null);
    }

    public VmView(String id, String name, String state, String stateReason, String image, int vcpus, int memoryMib,
                  int diskMib, String address, Long pid, Map<String, String> labels, Instant createdAt,
                  Instant updatedAt) {
        this(id, name, state, stateReason, image, vcpus, memoryMib, diskMib, address, pid, labels, createdAt,
                updatedAt, EgressPolicy.ALLOW);
    }

    /** This view with {@code position} in the boot queue (null: not waiting). */
    public VmView withQueuePosition(Integer position) {
        return new VmView(id, name, state, stateReason, image, vcpus, memoryMib, diskMib, address, pid, labels,
                createdAt, updatedAt, egress, position, ttlS, idleTimeoutS, onExpiry, expiresAt, idleExpiresAt, savedState,
                lastStart);
    }
}
