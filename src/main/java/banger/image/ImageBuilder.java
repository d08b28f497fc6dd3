package banger.image;

import banger.core.Rejected;
import banger.core.Rejection;

/** Builds an image from a named preset ("tiny", "debian"). Blocking and slow: run on the blocking dispatcher. */
public interface ImageBuilder {

    /** @throws banger.core.Rejected INVALID for an unknown preset */
    Image build(String preset, String name);

    /** As {@link #build(String, String)}, reporting to {@code listener} and stopping once it is cancelled. */
    default Image build(String preset, String name, BuildListener listener) {
        listener.checkCancelled();
        return build(preset, name);
    }

    /**
     * Pulls {@code ref} from an OCI registry for {@code platform} (null: linux/amd64) as image {@code name}.
     *
     * @throws banger.core.Rejected INVALID for a malformed reference or name, or when this builder pulls nothing
     */
    default Image pull(String ref, String name, String platform) {
        return pull(ref, name, platform, BuildListener.NONE);
    }

    /** As {@link #pull(String, String, String)}, reporting to {@code listener} and stopping once it is cancelled. */
    default Image pull(String ref, String name, String platform, BuildListener listener) {
        throw new Rejected(Rejection.Reason.INVALID_REQUEST, "this daemon does not pull images");
    }

    /**
     * Makes image {@code name} from a stopped VM's {@code disk} (a qcow2 overlay or a raw copy, flattened into a
     * raw ext4) with the boot files of {@code base}, the image the VM was created from.
     */
    default Image promote(String name, Image base, java.nio.file.Path disk, BuildListener listener) {
        throw new Rejected(Rejection.Reason.INVALID_REQUEST, "this daemon does not promote disks");
    }
}
