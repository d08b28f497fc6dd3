package banger.vmm;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;

/**
 * Whether hardware virtualisation is really usable: the CPU flags must show vmx or svm AND /dev/kvm must
 * open read-write. "/dev/kvm opens" alone is not enough (nested PVM hosts expose a /dev/kvm that never
 * runs a normal guest kernel).
 */
public final class KvmProbe {

    private static final Pattern VIRTUALISATION_FLAG = Pattern.compile("^flags\\s*:.*\\b(vmx|svm)\\b", Pattern.MULTILINE);

    private final Path cpuinfo;
    private final Path kvmDevice;

    public KvmProbe() {
        this(Path.of("/proc/cpuinfo"), Path.of("/dev/kvm"));
    }

    public KvmProbe(Path cpuinfo, Path kvmDevice) {
        this.cpuinfo = cpuinfo;
        this.kvmDevice = kvmDevice;
    }

    public boolean kvmUsable() {
        return cpuHasVirtualisation() && kvmDeviceOpens();
    }

    /** Why KVM is or is not usable, in one line. */
    public String reason() {
        boolean cpu = cpuHasVirtualisation();
        boolean dev = kvmDeviceOpens();
        if (cpu && dev) {
            return "CPU has vmx/svm and " + kvmDevice + " opens";
        }
        if (!cpu && dev) {
            return kvmDevice + " opens but the CPU flags show no vmx/svm (nested or paravirtual KVM)";
        }
        return cpu ? kvmDevice + " does not open read-write" : "no vmx/svm CPU flag and no usable " + kvmDevice;
    }

    boolean cpuHasVirtualisation() {
        try {
            return VIRTUALISATION_FLAG.matcher(Files.readString(cpuinfo)).find();
        } catch (IOException e) {
            return false;
        }
    }

    boolean kvmDeviceOpens() {
        try (FileChannel ignored = FileChannel.open(kvmDevice, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
