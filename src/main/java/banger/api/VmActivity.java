package banger.api;

import java.util.Set;

/**
 * The routes that count as activity on a VM for its idle timeout: guest I/O through the API (exec, session
 * input/output/attach/signal and start, file and workspace transfer, console reads). Listing or reading a VM's
 * state does not keep it alive. SSH straight to the guest, which the daemon does not see, is reported by
 * `banger vm ssh` through {@code POST /v1/vms/{ref}/activity} while its session lasts.
 */
final class VmActivity {

    private static final Set<String> ROUTES = Set.of(
            "POST /v1/vms/{ref}/exec",
            "POST /v1/vms/{ref}/activity",
            "GET /v1/vms/{ref}/console",
            "PUT /v1/vms/{ref}/workspace",
            "GET /v1/vms/{ref}/workspace/bundle",
            "GET /v1/vms/{ref}/workspace/diff",
            "PUT /v1/vms/{ref}/files",
            "GET /v1/vms/{ref}/files",
            "POST /v1/vms/{ref}/sessions",
            "GET /v1/vms/{ref}/sessions/{sid}/output",
            "POST /v1/vms/{ref}/sessions/{sid}/input",
            "POST /v1/vms/{ref}/sessions/{sid}/signal",
            "GET /v1/vms/{ref}/sessions/{sid}/attach");

    private VmActivity() {
    }

    static boolean counts(ApiRoute route) {
        return ROUTES.contains(route.method() + " " + route.template());
    }
}
