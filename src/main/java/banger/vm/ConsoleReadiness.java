package banger.vm;

import banger.image.Image;
import banger.storage.VmDisk;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Guest preparation for a daemon without guest network or SSH: configuration travels on the kernel
 * command line, and a guest is ready when its init prints the readiness line on the serial console.
 */
public class ConsoleReadiness implements GuestPreparation {

    /** The line the image's init prints once the guest is up (see the image builder's init). */
    public static final String READY_LINE = "banger-guest-ready";

    @Override
    public void configureDisk(VmSpec spec, Image image, VmDisk disk) {
    }

    @Override
    public String kernelParameters(VmSpec spec, Image image, VmDisk disk) {
        // init= is read by banger's initramfs of pulled images, which boot the guest kit's init
        return "banger.hostname=" + spec.name() + (image.init() != null ? " init=" + image.init() : "");
    }

    @Override
    public void awaitReady(VmSpec spec, VmDirectory dir, BooleanSupplier vmmAlive, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        ConsoleLineWatch ready = new ConsoleLineWatch(dir.consoleLog(), READY_LINE);
        while (System.nanoTime() < deadline) {
            if (ready.seen()) {
                return;
            }
            if (!vmmAlive.getAsBoolean()) {
                throw new IllegalStateException("VMM exited during boot; console ends with: "
                        + ConsoleTail.of(dir.consoleLog(), 800));
            }
            sleep(200);
        }
        throw new IllegalStateException("guest not ready after " + timeout.toSeconds() + "s; console ends with: "
                + ConsoleTail.of(dir.consoleLog(), 800));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
