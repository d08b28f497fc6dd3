package banger.api;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.wire.ImageNames;

/** Body of POST /v1/vms/{ref}/promote: the name of the image the VM's disk becomes. */
record PromoteVmRequest(String name) {

    void validate() {
        if (!ImageNames.valid(name)) {
            throw new Rejected(Rejection.Reason.INVALID_REQUEST, ImageNames.invalid(name));
        }
    }
}
