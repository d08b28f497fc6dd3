package banger.image;

import java.time.Instant;

/** What the API shows of an image. */
public record ImageView(String name, String os, String kernel, String initrd, String vmlinux, String rootfs,
                        long rootfsBytes, Instant createdAt) {

    public static ImageView of(Image i) {
        return new ImageView(i.name(), i.os(), i.kernel(), i.initrd(), i.vmlinux(), i.rootfs(), i.rootfsBytes(),
                i.createdAt());
    }
}
