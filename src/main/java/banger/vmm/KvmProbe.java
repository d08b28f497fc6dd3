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
