package banger.api;

import banger.image.oci.OciImagePuller;

/** Body of POST /v1/images/pull: pull {@code ref} for {@code platform} (default linux/amd64) as image {@code name}. */
record PullImageRequest(String ref, String name, String platform) {

    /** @throws banger.core.Rejected INVALID for a malformed reference or name, before any download */
    void validate() {
        OciImagePuller.validate(ref, name);
    }
}
