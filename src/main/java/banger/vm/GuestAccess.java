package banger.vm;

import banger.guest.GuestHostKeys;
import banger.guest.GuestConfig;
import banger.guest.GuestConfigWriter;
import banger.guest.GuestSsh;
import banger.guest.SshKeys;
import banger.image.ConfigChannel;
import banger.image.Image;
import banger.network.Subnet;
import banger.storage.VmDisk;
import banger.vm.ConsoleReadiness;
import banger.vm.VmDirectory;
import banger.vm.VmSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.function.BooleanSupplier;

/**
 * Guest preparation with a guest network: the VM's address, gateway, resolver, hostname, the daemon's
 * key and the VM's own SSH host key go into its raw disk with debugfs before its first boot only (debugfs
 * then never parses a filesystem the guest has written), or on the kernel command line for an image whose init
 * reads it there; every start pins the host key to the VM's address, and a VM is ready only once its guest
 * answers over SSH with that key.
 */
public final class GuestAccess extends ConsoleReadiness {

    private final GuestConfigWriter writer;
    private final SshKeys keys;
    private final GuestSsh ssh;
    private final Subnet subnet;
    private final GuestHostKeys hostKeys;

    public GuestAccess(GuestConfigWriter writer, SshKeys keys, GuestSsh ssh, Subnet subnet, GuestHostKeys hostKeys) {
        this.writer = writer;
        this.keys = keys;
        this.ssh = ssh;
        this.subnet = subnet;
        this.hostKeys = hostKeys;
    }

    /** Marks a raw disk debugfs configured; from then on the guest owns its filesystem. */
    static final String CONFIGURED_MARKER = "disk-configured";

    private GuestConfig configOf(VmSpec spec, VmDisk disk) {
        return new GuestConfig(spec.name(), subnet.cidrOf(spec.address()), subnet.gatewayAddress(),
                subnet.gatewayAddress(), keys.publicKeyLine(), hostKeys.loadOrCreate(vmDir(disk)));
    }

    private static java.nio.file.Path vmDir(VmDisk disk) {
        return disk.path().toAbsolutePath().getParent();
    }

    @Override
    public void configureDisk(VmSpec spec, Image image, VmDisk disk) {
        if (spec.address() == null) {
            return;
        }
        GuestConfig config = configOf(spec, disk);
        java.nio.file.Path marker = vmDir(disk).resolve(CONFIGURED_MARKER);
        if (VmDisk.RAW.equals(disk.format()) && image.configVia().contains(ConfigChannel.DISK)
                && !java.nio.file.Files.exists(marker)) {
            writer.write(disk.path(), image.os(), config);
            try {
                java.nio.file.Files.createFile(marker);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot mark " + disk.path() + " configured", e);
            }
        }
        hostKeys.pin(vmDir(disk), spec.address(), config.hostKey());
    }

    @Override
    public String kernelParameters(VmSpec spec, Image image, VmDisk disk) {
        StringBuilder p = new StringBuilder(super.kernelParameters(spec, image, disk));
        if (spec.address() != null && image.readsKernelCmdline()) {
            GuestConfig c = configOf(spec, disk);
            p.append(" banger.address=").append(c.addressCidr())
                    .append(" banger.gateway=").append(c.gateway())
                    .append(" banger.dns=").append(c.dns())
                    .append(" banger.authorized_key=").append(Base64.getEncoder()
                            .encodeToString(c.authorizedKey().getBytes(StandardCharsets.UTF_8)));
            if (VmDisk.QCOW2.equals(disk.format())) {
                // an overlay cannot be edited from the host: the guest's init installs the key from here
                p.append(" banger.host_key=").append(Base64.getEncoder().encodeToString(c.hostKey().dropbearPrivate()));
            }
        }
        return p.toString();
    }

    @Override
    public void awaitReady(VmSpec spec, VmDirectory dir, BooleanSupplier vmmAlive, Duration timeout) {
        long started = System.nanoTime();
        super.awaitReady(spec, dir, vmmAlive, timeout);
        if (spec.address() == null) {
            return;
        }
        Duration left = timeout.minusNanos(System.nanoTime() - started);
        try {
            ssh.awaitReady(spec.address(), 22, left.isNegative() ? Duration.ofSeconds(5) : left, vmmAlive);
        } catch (RuntimeException e) {
            throw new IllegalStateException("guest booted but SSH at " + spec.address() + " did not answer: "
                    + e.getMessage() + "; console ends with: " + banger.vm.ConsoleTail.of(dir.consoleLog(), 800), e);
        }
    }
}
