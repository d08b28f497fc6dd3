package banger.vm;

import java.util.Map;

/** Body of PATCH /v1/vms/{ref}. Only non-null fields change. */
public record PatchVmRequest(Integer vcpus, Integer memoryMib, Integer diskMib, Map<String, String> labels) {
}
