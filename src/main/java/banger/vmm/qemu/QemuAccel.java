package banger.vmm.qemu;

import banger.vmm.KvmProbe;
import java.util.Locale;

/** QEMU's accelerator: KVM where hardware virtualisation really works, TCG (emulation) elsewhere. */
public enum QemuAccel {
    KVM,
    TCG;

    /** Resolves the config value ("auto", "kvm" or "tcg"); "auto" asks the probe. */
    public static QemuAccel fromConfig(String value, KvmProbe probe) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "auto" -> probe.kvmUsable() ? KVM : TCG;
            case "kvm" -> KVM;
            case "tcg" -> TCG;
            default -> throw new IllegalArgumentException("banger.qemu.accel must be auto, kvm or tcg, not " + value);
        };
    }

    String option() {
        return name().toLowerCase(Locale.ROOT);
    }
}
