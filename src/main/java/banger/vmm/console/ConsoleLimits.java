package banger.vmm.console;

/**
 * How much serial console output a VM keeps on the host.
 *
 * @param maxBytes  the live log ({@code console.log}) never grows past this (config banger.console.max-bytes)
 * @param keepFiles rotated logs kept beside it, {@code console.log.1} the newest (config banger.console.keep-files);
 *                  0 keeps none
 */
public record ConsoleLimits(long maxBytes, int keepFiles) {

    public static final ConsoleLimits DEFAULT = new ConsoleLimits(1 << 20, 2);

    public ConsoleLimits {
        if (maxBytes < 1024) {
            throw new IllegalArgumentException("banger.console.max-bytes must be at least 1KiB, got " + maxBytes);
        }
        if (keepFiles < 0 || keepFiles > 100) {
            throw new IllegalArgumentException("banger.console.keep-files must be 0..100, got " + keepFiles);
        }
    }
}
