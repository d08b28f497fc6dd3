package banger.image;

import java.time.Instant;

/**
 * A bootable image: kernel, optional initramfs, root filesystem (raw ext4) and, for Firecracker, an
 * uncompressed vmlinux. Paths are absolute host paths as strings so the record serialises plainly.
 *
 * @param os "tiny" (busybox init) or "debian"; tells how guest configuration is written
 */
public record Image(
        String name,
        String os,
        String kernel,
        String initrd,
        String vmlinux,
        String rootfs,
        long rootfsBytes,
        Instant createdAt) {
}
