package banger.vmm.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.storage.VmDisk;
import banger.vmm.LaunchSpec;
import banger.vmm.NetworkAttachment;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QemuArgvTest {

    private static LaunchSpec spec(Optional<NetworkAttachment> nic, Path disk) {
        return new LaunchSpec("vm1", Path.of("/var/lib/banger/vms/vm1"), Path.of("/img/vmlinuz"),
                Optional.of(Path.of("/img/initrd.img")), new VmDisk(disk, VmDisk.QCOW2), 2, 384,
                "console=ttyS0 banger.hostname=a", Path.of("/var/lib/banger/vms/vm1/console.log"), nic);
    }

    private static String after(List<String> argv, String option) {
        int i = argv.indexOf(option);
        assertTrue(i >= 0 && i + 1 < argv.size(), option + " missing in " + argv);
        return argv.get(i + 1);
    }

    @Test
    void tcgVmWithoutNicHasMarkerResourcesAndNoNetwork() {
        List<String> argv = QemuArgv.build("qemu-system-x86_64", QemuAccel.TCG, spec(Optional.empty(), Path.of("/vms/vm1/disk.qcow2")));
        assertEquals("qemu-system-x86_64", argv.get(0));
        assertEquals("banger-vm1", after(argv, "-name"));
        assertEquals("tcg", after(argv, "-accel"));
        assertFalse(argv.contains("-cpu"));
        assertEquals("pc", after(argv, "-machine"));
        assertEquals("384", after(argv, "-m"));
        assertEquals("2", after(argv, "-smp"));
        assertEquals("/img/vmlinuz", after(argv, "-kernel"));
        assertEquals("/img/initrd.img", after(argv, "-initrd"));
        assertEquals("console=ttyS0 banger.hostname=a", after(argv, "-append"));
        assertEquals("file=/vms/vm1/disk.qcow2,format=qcow2,file.auto-read-only=off,if=virtio", after(argv, "-drive"));
        assertEquals("chardev:serial0", after(argv, "-serial"));
        assertEquals("socket,id=serial0,path=/var/lib/banger/vms/vm1/console.sock,server=on,wait=off",
                after(argv, "-chardev"));
        assertEquals("unix:/var/lib/banger/vms/vm1/qmp.sock,server=on,wait=off", after(argv, "-qmp"));
        assertEquals("unix:/var/lib/banger/vms/vm1/qmp-exit.sock,server=on,wait=off",
                argv.get(argv.lastIndexOf("-qmp") + 1));
        assertEquals("none", after(argv, "-nic"));
        assertFalse(argv.contains("-netdev"));
    }

    @Test
    void kvmVmUsesHostCpu() {
        List<String> argv = QemuArgv.build("qemu", QemuAccel.KVM, spec(Optional.empty(), Path.of("/d")));
        assertEquals("kvm", after(argv, "-accel"));
        assertEquals("host", after(argv, "-cpu"));
    }

    @Test
    void nicIsVirtioOnTheTapWithTheMacAndNoHostScripts() {
        List<String> argv = QemuArgv.build("qemu", QemuAccel.TCG,
                spec(Optional.of(new NetworkAttachment("bgtap3", "52:54:00:12:34:56")), Path.of("/d")));
        assertEquals("tap,id=net0,ifname=bgtap3,script=no,downscript=no", after(argv, "-netdev"));
        assertEquals("virtio-net-pci,netdev=net0,mac=52:54:00:12:34:56", after(argv, "-device"));
        assertFalse(argv.contains("-nic"));
    }

    @Test
    void aVmWaitingForItsSavedStateListensOnItsOwnSocketAndOnlyThen() {
        LaunchSpec cold = spec(Optional.empty(), Path.of("/d"));
        assertFalse(QemuArgv.build("qemu", QemuAccel.TCG, cold).contains("-incoming"));
        LaunchSpec warm = new LaunchSpec(cold.vmId(), cold.vmDir(), cold.kernel(), cold.initrd(), cold.disk(),
                cold.vcpus(), cold.memoryMib(), cold.kernelCmdline(), cold.consoleLog(), cold.network(), true);
        List<String> argv = QemuArgv.build("qemu", QemuAccel.TCG, warm);
        assertEquals("unix:/var/lib/banger/vms/vm1/migrate-in.sock", after(argv, "-incoming"));
        // the same machine as the cold boot, or the state would not load
        List<String> withoutIncoming = new java.util.ArrayList<>(argv);
        withoutIncoming.subList(argv.indexOf("-incoming"), argv.indexOf("-incoming") + 2).clear();
        assertEquals(QemuArgv.build("qemu", QemuAccel.TCG, cold), withoutIncoming);
    }

    @Test
    void commaInDiskPathIsEscapedForQemuOptionSyntax() {
        List<String> argv = QemuArgv.build("qemu", QemuAccel.TCG, spec(Optional.empty(), Path.of("/vms/a,b/disk")));
        assertEquals("file=/vms/a,,b/disk,format=qcow2,file.auto-read-only=off,if=virtio", after(argv, "-drive"));
    }

    @Test
    void rejectsBadTapNameMacVmIdAndLongSocketPath() {
        assertThrows(IllegalArgumentException.class, () -> QemuArgv.build("qemu", QemuAccel.TCG,
                spec(Optional.of(new NetworkAttachment("tap,script=/evil", "52:54:00:12:34:56")), Path.of("/d"))));
        assertThrows(IllegalArgumentException.class, () -> QemuArgv.build("qemu", QemuAccel.TCG,
                spec(Optional.of(new NetworkAttachment("tap0", "52:54:00:12:34")), Path.of("/d"))));
        LaunchSpec good = spec(Optional.empty(), Path.of("/d"));
        LaunchSpec badId = new LaunchSpec("../x", good.vmDir(), good.kernel(), good.initrd(), good.disk(), 1, 128,
                "", good.consoleLog(), Optional.empty());
        assertThrows(IllegalArgumentException.class, () -> QemuArgv.build("qemu", QemuAccel.TCG, badId));
        LaunchSpec longDir = new LaunchSpec("vm1", Path.of("/" + String.join("", Collections.nCopies(120, "d"))),
                good.kernel(), good.initrd(), good.disk(), 1, 128, "", good.consoleLog(), Optional.empty());
        assertThrows(IllegalArgumentException.class, () -> QemuArgv.build("qemu", QemuAccel.TCG, longDir));
    }
}
