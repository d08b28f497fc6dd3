package banger.vmm.qemu;

import banger.vmm.LaunchSpec;
import banger.vmm.console.SerialConsoles;
import banger.vmm.NetworkAttachment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** The qemu-system-x86_64 command line for one VM. */
final class QemuArgv {

    static final String QMP_SOCKET = "qmp.sock";
    static final String EXIT_SOCKET = "qmp-exit.sock";
    private static final Pattern VM_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern TAP_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    private static final Pattern MAC = Pattern.compile("(?i)[0-9a-f]{2}(:[0-9a-f]{2}){5}");
    /** sun_path is 108 bytes including the terminating NUL. */
    private static final int MAX_SOCKET_PATH = 107;

    private QemuArgv() {
    }

    /** The argument that marks this VM's QEMU in /proc/PID/cmdline (the value of -name). */
    static String marker(String vmId) {
        return "banger-" + vmId;
    }

    static Path exitSocket(Path qmpSocket) {
        return qmpSocket.resolveSibling(EXIT_SOCKET);
    }

    static Path qmpSocket(LaunchSpec spec) {
        return spec.vmDir().toAbsolutePath().resolve(QMP_SOCKET);
    }

    static Path consoleSocket(LaunchSpec spec) {
        return spec.vmDir().toAbsolutePath().resolve(SerialConsoles.SOCKET_NAME);
    }

    static List<String> build(String binary, QemuAccel accel, LaunchSpec spec) {
        return build(binary, accel, spec, QemuSandbox.ROOT);
    }

    static List<String> build(String binary, QemuAccel accel, LaunchSpec spec, QemuSandbox sandbox) {
        validate(spec);
        List<String> argv = new ArrayList<>(List.of(
                binary,
                "-name", marker(spec.vmId()),
                "-accel", accel.option()));
        if (accel == QemuAccel.KVM) {
            argv.addAll(List.of("-cpu", "host"));
        }
        argv.addAll(List.of(
                // the pc machine: microvm hung under TCG here
                "-machine", "pc",
                "-m", Integer.toString(spec.memoryMib()),
                "-smp", Integer.toString(spec.vcpus()),
                "-nodefaults",
                "-no-user-config",
                // a guest reboot or panic ends the process, as with Firecracker, so the daemon sees it
                "-no-reboot",
                "-display", "none",
                "-kernel", spec.kernel().toAbsolutePath().toString()));
        spec.initrd().ifPresent(initrd -> argv.addAll(List.of("-initrd", initrd.toAbsolutePath().toString())));
        argv.addAll(List.of(
                "-append", spec.kernelCmdline(),
                // auto-read-only=off: QEMU never reopens the disk read-only (as on a migration's end, when it
                // releases its write access): after -runas it could not open the root-owned file again
                "-drive", "file=" + escape(spec.disk().path().toAbsolutePath().toString())
                        + ",format=" + spec.disk().format() + ",file.auto-read-only=off,if=virtio",
                // the daemon copies the serial console from this socket into a capped log (SerialConsoles);
                // with no reader connected, QEMU drops the output rather than stalling the guest
                "-chardev", "socket,id=serial0,path=" + escape(consoleSocket(spec).toString()) + ",server=on,wait=off",
                "-serial", "chardev:serial0",
                "-qmp", "unix:" + escape(qmpSocket(spec).toString()) + ",server=on,wait=off",
                // a second monitor that only the daemon's exit watcher holds: it closes the instant QEMU dies
                "-qmp", "unix:" + escape(exitSocket(qmpSocket(spec)).toString()) + ",server=on,wait=off"));
        if (spec.network().isPresent()) {
            NetworkAttachment nic = spec.network().get();
            argv.addAll(List.of(
                    "-netdev", "tap,id=net0,ifname=" + nic.tapName() + ",script=no,downscript=no",
                    "-device", "virtio-net-pci,netdev=net0,mac=" + nic.macAddress()));
        } else {
            argv.addAll(List.of("-nic", "none"));
        }
        if (spec.incoming()) {
            // listening from the command line, before QEMU drops to its run-as user (who cannot create files here)
            argv.addAll(List.of("-incoming", "unix:" + escape(spec.vmDir().toAbsolutePath()
                    .resolve(QemuMigration.LOAD_SOCKET).toString())));
        }
        argv.addAll(sandbox.arguments());
        return argv;
    }

    private static void validate(LaunchSpec spec) {
        if (!VM_ID.matcher(spec.vmId()).matches()) {
            throw new IllegalArgumentException("VM id must be 1-64 of [A-Za-z0-9._-]: " + spec.vmId());
        }
        if (spec.vcpus() < 1 || spec.memoryMib() < 16) {
            throw new IllegalArgumentException("need at least 1 vCPU and 16 MiB, got " + spec.vcpus() + " / " + spec.memoryMib());
        }
        if (!"raw".equals(spec.disk().format()) && !"qcow2".equals(spec.disk().format())) {
            throw new IllegalArgumentException("disk format must be raw or qcow2: " + spec.disk().format());
        }
        // console.sock is the longer of the two sockets in the VM directory
        if (consoleSocket(spec).toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
            throw new IllegalArgumentException("VM directory too long for a unix socket path: " + spec.vmDir());
        }
        spec.network().ifPresent(nic -> {
            if (!TAP_NAME.matcher(nic.tapName()).matches()) {
                throw new IllegalArgumentException("bad TAP device name: " + nic.tapName());
            }
            if (!MAC.matcher(nic.macAddress()).matches()) {
                throw new IllegalArgumentException("bad MAC address: " + nic.macAddress());
            }
        });
    }

    /** QEMU option values escape a literal comma by doubling it. */
    private static String escape(String value) {
        return value.replace(",", ",,");
    }
}
