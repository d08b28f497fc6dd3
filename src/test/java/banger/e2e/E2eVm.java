package banger.e2e;

import com.fasterxml.jackson.databind.JsonNode;

/** The fields of the API's VM JSON the e2e tests look at. */
record E2eVm(String id, String name, String state, String stateReason, String address, Long pid) {

    static E2eVm of(JsonNode vm) {
        if (!vm.path("id").isTextual()) {
            throw new IllegalArgumentException("not a VM: " + vm);
        }
        return new E2eVm(vm.path("id").asText(), vm.path("name").asText(), vm.path("state").asText(),
                text(vm.path("state_reason")), text(vm.path("address")),
                vm.path("pid").isNumber() ? vm.path("pid").asLong() : null);
    }

    private static String text(JsonNode node) {
        return node.isTextual() ? node.asText() : null;
    }

    /** The VM's marker in its VMM's command line (qemu -name banger-ID). */
    String marker() {
        return "banger-" + id;
    }
}
