package banger.api;

import banger.core.Rejected;
import banger.core.Rejection;
import java.util.regex.Pattern;

/** Body of POST /v1/vms/{ref}/promote: the name of the image the VM's disk becomes. */
record PromoteVmRequest(String name) {

    private static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9._-]{0,62}$");

    void validate() {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new Rejected(Rejection.Reason.INVALID_REQUEST,
                    "invalid image name '" + name + "': lowercase letters, digits, '.', '_' and '-'");
        }
    }
}
