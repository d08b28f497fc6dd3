package banger.vmm;

import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * Chooses the VMM from {@code banger.vmm} (auto | qemu | firecracker). Firecracker has no software
 * emulation, so it is only usable with a firecracker binary AND hardware KVM that really runs guests
 * (an openable /dev/kvm is not enough: nested PVM hosts open it yet never run a normal guest).
 */
public final class VmmSelector {

    /** The VMM kind to use ("qemu" or "firecracker") and why, for logs and {@code doctor}. */
    public record Selection(String kind, String reason) {
    }

    public static final String AUTO = "auto";
    public static final String QEMU = "qemu";
    public static final String FIRECRACKER = "firecracker";

    private VmmSelector() {
    }

    /**
     * @param configured        the configured choice
     * @param firecrackerBinary the configured firecracker binary (name on PATH or path), for messages
     * @param firecrackerFound  whether that binary was found
     * @param kvmUsable         whether hardware KVM runs guests; asked only when the answer matters
     * @throws VmmException for an unknown choice, or firecracker chosen explicitly but unusable here
     */
    public static Selection select(String configured, String firecrackerBinary, boolean firecrackerFound,
                                   BooleanSupplier kvmUsable) {
        String choice = configured == null ? "" : configured.strip().toLowerCase(Locale.ROOT);
        switch (choice) {
            case QEMU:
                return new Selection(QEMU, "vmm = qemu is configured");
            case FIRECRACKER:
                if (!firecrackerFound) {
                    throw new VmmException("vmm = firecracker is configured, but the firecracker binary '"
                            + firecrackerBinary + "' was not found (set banger.firecracker.binary, or use vmm = auto or qemu)");
                }
                if (!kvmUsable.getAsBoolean()) {
                    throw new VmmException("vmm = firecracker is configured, but hardware KVM is not usable on this host"
                            + " and Firecracker cannot run without it (use vmm = auto or qemu)");
                }
                return new Selection(FIRECRACKER, "vmm = firecracker is configured; '" + firecrackerBinary
                        + "' found and KVM usable");
            case AUTO:
                if (!firecrackerFound) {
                    return new Selection(QEMU, "vmm = auto: no firecracker binary '" + firecrackerBinary + "' found, using QEMU");
                }
                if (!kvmUsable.getAsBoolean()) {
                    return new Selection(QEMU, "vmm = auto: firecracker found but hardware KVM is not usable, using QEMU");
                }
                return new Selection(FIRECRACKER, "vmm = auto: firecracker '" + firecrackerBinary + "' found and KVM usable");
            default:
                throw new VmmException("banger.vmm must be auto, qemu or firecracker, not '" + configured + "'");
        }
    }
}
