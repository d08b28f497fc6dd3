package banger.vm;

import java.time.Instant;
import java.util.Map;

/** What the API shows of a VM. Serialised with snake_case names by the API. */
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
        Instant updatedAt) {
}
