package banger.api;

import banger.image.oci.OciImagePuller;
import banger.wire.ImageNames;

/**
 * Body of POST /v1/images/pull: pull {@code ref} for {@code platform} (default linux/amd64) as image {@code name}
 * (default: the repository's last component, as the CLI names it).
 */
record PullImageRequest(String ref, String name, String platform) {

    String nameOrDefault() {
        return name != null || ref == null ? name : ImageNames.fromReference(ref);
    }

    /** @throws banger.core.Rejected INVALID for a malformed reference or name, before any download */
    void validate() {
        OciImagePuller.validate(ref, nameOrDefault());
    }
}
