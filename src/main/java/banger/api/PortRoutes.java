package banger.api;

import banger.workspace.GuestPorts;
import java.util.Map;
import org.apache.pekko.http.javadsl.server.Route;

/** GET /v1/vms/{ref}/ports: the guest's listening TCP and UDP sockets, with their processes where known. */
final class PortRoutes {

    private final GuestPorts ports;
    private final JsonAnswers answers;

    PortRoutes(GuestPorts ports, JsonAnswers answers) {
        this.ports = ports;
        this.answers = answers;
    }

    Route list(String ref) {
        return answers.ok(ports.ports(ref).thenApply(p -> Map.of("ports", p)));
    }
}
