package banger.vm;

import java.util.Map;

/** Body of POST /v1/vms. Null fields take the configured defaults. */
public record CreateVmRequest(
        String name,
        String image,
        Integer vcpus,
        Integer memoryMib,
        Integer diskMib,
        Boolean start,
        Map<String, String> labels) {
}
