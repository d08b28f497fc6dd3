package banger.api;

import banger.session.SessionControl;
import java.util.List;

/** {@code /v1/vms/{ref}/sessions...}: guest sessions in the route table, served by {@link SessionRoutes}. */
final class SessionResourceRoutes extends ResourceRoutes {

    private final SessionRoutes sessions;

    SessionResourceRoutes(ApiContext context, SessionControl sessions) {
        super(context);
        this.sessions = new SessionRoutes(sessions, context.mapper(), context.settings().maxBodyBytes());
    }

    @Override
    List<Endpoint> endpoints() {
        return sessions.endpoints();
    }
}
