package banger.api;

import static banger.api.Endpoint.authed;

import java.util.List;

/** {@code /v1/vms/{ref}/workspace|files|ports}: streamed guest I/O, over the workspace, file and port services. */
final class GuestIoRoutes extends ResourceRoutes {

    private final WorkspaceRoutes workspace;
    private final FileRoutes files;
    private final PortRoutes ports;

    GuestIoRoutes(ApiContext context, GuestIo guestIo) {
        super(context);
        StreamedBodies bodies = new StreamedBodies(context.errors(), context.mapper(),
                context.settings().maxUploadBytes(), context.settings().bodyReadTimeout(),
                context.settings().transferTimeout());
        JsonAnswers answers = new JsonAnswers(context.mapper(), context.errors());
        this.workspace = new WorkspaceRoutes(guestIo.workspaces(), bodies, context.errors(), answers);
        this.files = new FileRoutes(guestIo.files(), bodies);
        this.ports = new PortRoutes(guestIo.ports(), answers);
    }

    @Override
    List<Endpoint> endpoints() {
        return List.of(
                authed("PUT", "/v1/vms/{ref}/workspace", p -> workspace.prepare(p.get("ref"))),
                authed("GET", "/v1/vms/{ref}/workspace", p -> workspace.show(p.get("ref"))),
                authed("GET", "/v1/vms/{ref}/workspace/bundle", p -> workspace.bundle(p.get("ref"))),
                authed("GET", "/v1/vms/{ref}/workspace/diff", p -> workspace.diff(p.get("ref"))),
                authed("PUT", "/v1/vms/{ref}/files", p -> files.put(p.get("ref"))),
                authed("GET", "/v1/vms/{ref}/files", p -> files.get(p.get("ref"))),
                authed("GET", "/v1/vms/{ref}/ports", p -> ports.list(p.get("ref"))));
    }
}
