package banger.image.oci;

import java.util.List;

/**
 * An image manifest picked for one platform: its digest, its config blob and its layers in order.
 *
 * @param digest the digest of the image manifest itself (not of the index it was picked from)
 */
public record ResolvedImage(ImageReference reference, String digest, Descriptor config, List<Descriptor> layers) {

    /** A content descriptor: what a manifest says about one blob. */
    public record Descriptor(String mediaType, String digest, long size) {
    }

    public long layerBytes() {
        return layers.stream().mapToLong(Descriptor::size).sum();
    }
}
