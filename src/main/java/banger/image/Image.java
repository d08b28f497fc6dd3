package banger.image;

import java.time.Instant;
import java.util.Set;

/**
 * A bootable image: kernel, optional initramfs, root filesystem (raw ext4) and, for Firecracker, an
 * uncompressed vmlinux. Paths are absolute host paths as strings so the record serialises plainly.
 *
 * @param os        "tiny" (busybox init) or "debian": the layout guest configuration files are written in
 * @param configVia where the guest's init reads its configuration from; the launch chooses the disk format and
 *                  how to configure the guest from this, never from the image's name
 * @param source    where it came from: "preset:tiny", "oci:REGISTRY/REPO:TAG@sha256:..."; null for images
 *                  recorded before sources were
 * @param init      the init the kernel command line names (init=), or null for the root's /sbin/init
 */
public record Image(
        String name,
        String os,
        String kernel,
        String initrd,
        String vmlinux,
        String rootfs,
        long rootfsBytes,
        Instant createdAt,
        Set<ConfigChannel> configVia,
        String source,
        String init) {

    public Image {
        // records journaled before images declared capabilities lack configVia; the presets of that time are known
        configVia = configVia == null || configVia.isEmpty() ? presetChannels(os) : Set.copyOf(configVia);
    }

    /** An image with its preset's configuration channels, booting its root's /sbin/init, of unrecorded source. */
    public Image(String name, String os, String kernel, String initrd, String vmlinux, String rootfs,
                 long rootfsBytes, Instant createdAt) {
        this(name, os, kernel, initrd, vmlinux, rootfs, rootfsBytes, createdAt, null, null, null);
    }

    /** An image declaring its configuration channels, booting its root's /sbin/init. */
    public Image(String name, String os, String kernel, String initrd, String vmlinux, String rootfs,
                 long rootfsBytes, Instant createdAt, Set<ConfigChannel> configVia) {
        this(name, os, kernel, initrd, vmlinux, rootfs, rootfsBytes, createdAt, configVia, null, null);
    }

    /** An image with its preset's configuration channels, from {@code source}, booting {@code init}. */
    public Image(String name, String os, String kernel, String initrd, String vmlinux, String rootfs,
                 long rootfsBytes, Instant createdAt, String source, String init) {
        this(name, os, kernel, initrd, vmlinux, rootfs, rootfsBytes, createdAt, null, source, init);
    }

    /** What the two preset images' inits read: tiny's also reads the kernel command line, Debian's only its disk. */
    static Set<ConfigChannel> presetChannels(String os) {
        return TinyImageBuilder.OS.equals(os) ? Set.of(ConfigChannel.KERNEL_CMDLINE, ConfigChannel.DISK)
                : Set.of(ConfigChannel.DISK);
    }

    public boolean readsKernelCmdline() {
        return configVia.contains(ConfigChannel.KERNEL_CMDLINE);
    }

    public Image withVmlinux(String vmlinux) {
        return new Image(name, os, kernel, initrd, vmlinux, rootfs, rootfsBytes, createdAt, configVia, source, init);
    }

    public Image withSource(String source) {
        return new Image(name, os, kernel, initrd, vmlinux, rootfs, rootfsBytes, createdAt, configVia, source, init);
    }

    public banger.wire.ImageView view() {
        return new banger.wire.ImageView(name, os, kernel, initrd, vmlinux, rootfs, rootfsBytes, createdAt, source);
    }
}
