package banger.cli;

/** Canned API answers shaped as API.md describes them. */
final class ApiSamples {

    private ApiSamples() {
    }

    static String vm(String name, String state, String address) {
        return """
                {"id":"vm-%s-1","name":"%s","state":"%s","state_reason":null,"image":"tiny","vcpus":2,
                 "memory_mib":512,"disk_mib":2048,"address":%s,"pid":4242,"labels":{"env":"dev"},
                 "created_at":"2025-06-01T11:55:00Z","updated_at":"2025-06-01T11:56:00Z"}"""
                .formatted(name, name, state, address == null ? "null" : "\"" + address + "\"");
    }

    static String operation(String id, String kind, String vm, String state) {
        return """
                {"id":"%s","kind":"%s","vm":"%s","vm_id":"vm-%s-1","state":"%s","error":null,
                 "created_at":"2025-06-01T11:59:00Z","updated_at":"2025-06-01T11:59:00Z","finished_at":null}"""
                .formatted(id, kind, vm, vm, state);
    }

    static String failedOperation(String id, String kind, String vm, String code, String message) {
        return """
                {"id":"%s","kind":"%s","vm":"%s","vm_id":"vm-%s-1","state":"failed",
                 "error":{"code":"%s","message":"%s"},"created_at":"2025-06-01T11:59:00Z",
                 "updated_at":"2025-06-01T11:59:01Z","finished_at":"2025-06-01T11:59:01Z"}"""
                .formatted(id, kind, vm, vm, code, message);
    }

    static String error(String code, String message) {
        return "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\",\"details\":{}}}";
    }
}
