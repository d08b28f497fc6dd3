package banger.api;

import static banger.api.Endpoint.authed;

import banger.operation.OperationControl;
import java.util.List;
import java.util.Map;

/** {@code /v1/operations}: list, get and cancel long-running operations (creates, starts, stops, restarts, deletes). */
final class OperationRoutes extends ResourceRoutes {

    private final OperationControl operations;

    OperationRoutes(ApiContext context, OperationControl operations) {
        super(context);
        this.operations = operations;
    }

    @Override
    List<Endpoint> endpoints() {
        return List.of(
                authed("GET", "/v1/operations", p ->
                        ok(operations.list().thenApply(o -> Map.of("operations", o)))),
                authed("GET", "/v1/operations/{id}", p -> ok(operations.get(p.get("id")))),
                authed("DELETE", "/v1/operations/{id}", p -> ok(operations.cancel(p.get("id")))));
    }
}
