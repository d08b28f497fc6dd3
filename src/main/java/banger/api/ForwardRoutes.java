package banger.api;

import static banger.api.Endpoint.authed;

import banger.forward.PortForwarding;
import banger.wire.CreateForwardRequest;
import java.util.List;
import java.util.Map;

/** {@code /v1/vms/{ref}/forwards}: host ports relayed to guest ports (open, list, remove). */
final class ForwardRoutes extends ResourceRoutes {

    private final PortForwarding forwards;

    ForwardRoutes(ApiContext context, PortForwarding forwards) {
        super(context);
        this.forwards = forwards;
    }

    @Override
    List<Endpoint> endpoints() {
        return List.of(
                authed("POST", "/v1/vms/{ref}/forwards", p -> jsonBody(CreateForwardRequest.class,
                        request -> respond(201, forwards.open(p.get("ref"), request)))),
                authed("GET", "/v1/vms/{ref}/forwards", p ->
                        ok(forwards.list(p.get("ref")).thenApply(all -> Map.of("forwards", all)))),
                authed("DELETE", "/v1/vms/{ref}/forwards/{id}", p -> ok(forwards.close(p.get("ref"), p.get("id")))));
    }
}
