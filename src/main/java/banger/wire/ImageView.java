package banger.wire;

import java.time.Instant;

/** What the API shows of an image; {@code source} says where it came from (preset, OCI reference and digest). */
public record ImageView(String name, String os, String kernel, String initrd, String vmlinux, String rootfs,
                        long rootfsBytes, Instant createdAt, String source) {

    public ImageView(String name, String os, String kernel, String initrd, String vmlinux, String rootfs,
                     long rootfsBytes, Instant createdAt) {
        this(name, os, kernel, initrd, vmlinux, rootfs, rootfsBytes, createdAt, null);
    }
}
