package banger.vmm.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import banger.vmm.KvmProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QemuAccelTest {

    @TempDir
    Path dir;

    private KvmProbe probe(String flags, boolean deviceExists) throws IOException {
        Path cpuinfo = Files.writeString(dir.resolve("cpuinfo"), "processor\t: 0\nflags\t\t: " + flags + "\n");
        Path device = dir.resolve("kvm");
        if (deviceExists) {
            Files.writeString(device, "");
        }
        return new KvmProbe(cpuinfo, device);
    }

    @Test
    void autoPicksKvmOnlyWithVirtualisationFlagAndOpenableDevice() throws IOException {
        assertEquals(QemuAccel.KVM, QemuAccel.fromConfig("auto", probe("fpu vme vmx sse", true)));
        assertEquals(QemuAccel.KVM, QemuAccel.fromConfig("auto", probe("fpu svm", true)));
    }

    @Test
    void autoFallsBackToTcgWhenDeviceOpensButCpuHasNoVmxOrSvm() throws IOException {
        assertEquals(QemuAccel.TCG, QemuAccel.fromConfig("auto", probe("fpu vme hypervisor svm_lock", true)));
    }

    @Test
    void autoFallsBackToTcgWithoutDevice() throws IOException {
        assertEquals(QemuAccel.TCG, QemuAccel.fromConfig("auto", probe("fpu vmx", false)));
    }

    @Test
    void explicitChoiceWinsAndNonsenseIsRejected() throws IOException {
        KvmProbe none = probe("fpu", false);
        assertEquals(QemuAccel.KVM, QemuAccel.fromConfig("kvm", none));
        assertEquals(QemuAccel.TCG, QemuAccel.fromConfig("TCG", probe("vmx", true)));
        assertThrows(IllegalArgumentException.class, () -> QemuAccel.fromConfig("hvf", none));
    }
}
