package banger.image;

/** Where an image's guest init reads its configuration (address, gateway, resolver, key, hostname) from. */
public enum ConfigChannel {
    /** {@code banger.*} parameters on the kernel command line: works with any disk format, even a qcow2 overlay. */
    KERNEL_CMDLINE,
    /** Files written into the root filesystem before boot (debugfs, so raw ext4 only). */
    DISK
}
