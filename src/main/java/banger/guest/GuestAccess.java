package banger.guest;

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
 * Guest preparation with a guest network: the VM's address, gateway, resolver, hostname and the daemon's
 * key go into its raw disk with debugfs (or on the kernel command line for a qcow2 overlay of an image
 * whose init reads it there), and a VM is ready only once its guest answers over SSH.
 */
public final class GuestAccess extends ConsoleReadiness {

    private final GuestConfigWriter writer;
    private final SshKeys keys;
    private final GuestSsh ssh;
    private final Subnet subnet;

    public GuestAccess(GuestConfigWriter writer, SshKeys keys, GuestSsh ssh, Subnet subnet) {
        this.writer = writer;
        this.keys = keys;
        this.ssh = ssh;
        this.subnet = subnet;
    }

    /** The tiny image's init takes its configuration from the kernel command line too. */
    public static boolean readsCmdline(Image image) {
        return "tiny".equals(image.os());
    }

    private GuestConfig configOf(VmSpec spec) {
        return new GuestConfig(spec.name(), subnet.cidrOf(spec.address()), subnet.gatewayAddress(),
                subnet.gatewayAddress(), keys.publicKeyLine());
    }

    @Override
    public void configureDisk(VmSpec spec, Image image, VmDisk disk) {
        if (spec.address() != null && VmDisk.RAW.equals(disk.format())) {
            writer.write(disk.path(), image.os(), configOf(spec));
        }
    }

    @Override
    public String kernelParameters(VmSpec spec, Image image, VmDisk disk) {
        StringBuilder p = new StringBuilder(super.kernelParameters(spec, image, disk));
        if (spec.address() != null && VmDisk.QCOW2.equals(disk.format()) && readsCmdline(image)) {
            GuestConfig c = configOf(spec);
            p.append(" banger.address=").append(c.addressCidr())
                    .append(" banger.gateway=").append(c.gateway())
                    .append(" banger.dns=").append(c.dns())
                    .append(" banger.authorized_key=").append(Base64.getEncoder()
                            .encodeToString(c.authorizedKey().getBytes(StandardCharsets.UTF_8)));
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
