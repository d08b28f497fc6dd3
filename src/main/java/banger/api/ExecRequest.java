package banger.api;

import java.util.List;

/** Body of POST /v1/vms/{ref}/exec. {@code stdin} and {@code timeoutS} are optional. */
record ExecRequest(List<String> argv, String stdin, Integer timeoutS) {
}
