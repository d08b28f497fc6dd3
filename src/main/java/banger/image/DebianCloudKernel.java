package banger.image;

import banger.host.HostCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * The boot files every banger image shares: Debian's cloud kernel (vmlinuz) and a busybox initramfs that
 * loads the kernel's virtio and ACPI modules, mounts /dev/vda and switch_roots to its /sbin/init. Whatever
 * the root holds (busybox init, systemd) is started the same way.
 */
final class DebianCloudKernel {

    static final String METAPACKAGE = "linux-image-cloud-amd64";
    /**
     * What the guest needs from modules: virtio disk and NIC over PCI (QEMU) or MMIO (Firecracker), ext4 if
     * modular, and the ACPI power button.
     */
    static final List<String> GUEST_MODULES = List.of(
            "virtio", "virtio_ring", "virtio_pci_modern_dev", "virtio_pci_legacy_dev", "virtio_pci", "virtio_mmio",
            "virtio_blk", "failover", "net_failover", "virtio_net", "ext4", "button", "evdev");
    static final String KERNEL_FILE = "vmlinuz";
    static final String INITRD_FILE = "initrd.img";

    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(2);
    private static final String INIT_RESOURCE = "/banger/image/tiny/initramfs-init";

    /**
     * @param kernelPackage the concrete kernel package used, e.g. linux-image-6.1.0-56-cloud-amd64
     * @param modulesDir    its unpacked lib/modules/VERSION, with modules.dep
     */
    record BootFiles(String kernelPackage, Path modulesDir) {
    }

    private final HostCommands commands;
    private final DebianPackages packages;

    DebianCloudKernel(HostCommands commands, DebianPackages packages) {
        this.commands = commands;
        this.packages = packages;
    }

    /** Writes {@value #KERNEL_FILE} and {@value #INITRD_FILE} into {@code out}, unpacking packages under {@code work}. */
    BootFiles writeBootFiles(Path work, Path out) throws IOException {
        String kernelPackage = packages.resolveDependency(METAPACKAGE);
        Path kernelRoot = work.resolve("kernel");
        Path busyboxRoot = work.resolve("initramfs-busybox");
        packages.unpack(packages.fetch(kernelPackage), kernelRoot);
        packages.unpack(packages.fetch("busybox-static"), busyboxRoot);
        Files.createDirectories(out);
        String kernelVersion = kernelVersion(kernelRoot);
        Files.copy(kernelRoot.resolve("boot/vmlinuz-" + kernelVersion), out.resolve(KERNEL_FILE));
        Path modulesDir = writeInitramfs(out.resolve(INITRD_FILE), busyboxRoot.resolve("bin/busybox"), kernelRoot, kernelVersion);
        return new BootFiles(kernelPackage, modulesDir);
    }

    private static String kernelVersion(Path kernelRoot) throws IOException {
        try (Stream<Path> versions = Files.list(kernelRoot.resolve("lib/modules"))) {
            List<Path> found = versions.filter(Files::isDirectory).toList();
            if (found.size() != 1) {
                throw new IllegalStateException("expected one kernel in the package, found " + found);
            }
            return found.get(0).getFileName().toString();
        }
    }

    /** Returns the kernel's modules directory, now with modules.dep. */
    private Path writeInitramfs(Path initrd, Path busybox, Path kernelRoot, String kernelVersion) throws IOException {
        Path modulesDir = kernelRoot.resolve("lib/modules").resolve(kernelVersion);
        if (!Files.exists(modulesDir.resolve("modules.dep"))) {
            // the .deb ships no modules.dep: depmod makes it at install time
            commands.check(List.of("depmod", "-b", kernelRoot.toString(), kernelVersion), TOOL_TIMEOUT);
        }
        KernelModules modules = new KernelModules(Files.readString(modulesDir.resolve("modules.dep")),
                Files.readString(modulesDir.resolve("modules.builtin")));
        List<String> order = modules.loadOrder(GUEST_MODULES);

        try (OutputStream file = Files.newOutputStream(initrd); InitramfsWriter cpio = new InitramfsWriter(file)) {
            for (String dir : List.of("bin", "dev", "proc", "sys", "newroot", "lib", "lib/modules")) {
                cpio.directory(dir, 0755);
            }
            cpio.characterDevice("dev/console", 0600, 5, 1);
            cpio.characterDevice("dev/null", 0666, 1, 3);
            cpio.file("bin/busybox", 0755, busybox);
            cpio.file("init", 0755, initScript());
            StringBuilder loadOrder = new StringBuilder();
            for (String path : order) {
                String name = KernelModules.nameOf(path);
                cpio.file("lib/modules/" + name + ".ko", 0644, modulesDir.resolve(path));
                loadOrder.append(name).append('\n');
            }
            cpio.file("lib/modules/load-order", 0644, loadOrder.toString().getBytes(StandardCharsets.UTF_8));
        }
        return modulesDir;
    }

    private static byte[] initScript() throws IOException {
        try (InputStream in = DebianCloudKernel.class.getResourceAsStream(INIT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + INIT_RESOURCE);
            }
            return in.readAllBytes();
        }
    }
}
