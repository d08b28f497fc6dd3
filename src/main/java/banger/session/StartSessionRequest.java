package banger.session;

import banger.persistence.JsonSerializable;
import java.util.List;
import java.util.Map;

/** Body of POST /v1/vms/{ref}/sessions. Only argv is required. */
public record StartSessionRequest(List<String> argv, Map<String, String> env, String cwd, Boolean tty, String name)
        implements JsonSerializable {
}
