package banger.api;

import static banger.api.Endpoint.authed;

import banger.vm.VmControl;
import java.util.List;

/** {@code POST /v1/vms/{ref}/pause|resume}: freeze a running VM's vCPUs in memory, and let them run on. */
final class VmPauseRoutes extends ResourceRoutes {

    private final VmControl vms;

    VmPauseRoutes(ApiContext context, VmControl vms) {
        super(context);
        this.vms = vms;
    }

    @Override
    List<Endpoint> endpoints() {
        return List.of(
                authed("POST", "/v1/vms/{ref}/pause", p -> ok(vms.pause(p.get("ref")))),
                authed("POST", "/v1/vms/{ref}/resume", p -> ok(vms.resume(p.get("ref")))));
    }
}
