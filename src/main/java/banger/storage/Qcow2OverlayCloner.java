package banger.storage;

import banger.host.HostCommands;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A qcow2 overlay over the raw image (QEMU only): instant and small, the image is only read. The overlay's
 * virtual size is the requested size; the tiny guest grows its ext4 online at boot (resize2fs).
 * The image must not change or move while overlays use it.
 */
public final class Qcow2OverlayCloner implements DiskCloner {

    public static final String NAME = "qcow2";
    static final String DISK_FILE = "disk.qcow2";
    private static final Duration TIMEOUT = Duration.ofMinutes(1);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HostCommands commands;

    public Qcow2OverlayCloner(HostCommands commands) {
        this.commands = commands;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public VmDisk clone(Path baseImage, Path targetDir, long sizeMib) {
        Path overlay = targetDir.resolve(DISK_FILE);
        try {
            Files.createDirectories(targetDir);
            DiskSizes.requireAtLeastImage(baseImage, sizeMib);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clone " + baseImage + " into " + targetDir, e);
        }
        commands.check(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw",
                "-b", baseImage.toAbsolutePath().toString(), overlay.toString(), sizeMib + "M"), TIMEOUT);
        return new VmDisk(overlay, VmDisk.QCOW2);
    }

    @Override
    public void resize(VmDisk disk, long sizeMib) {
        if (DiskSizes.bytes(sizeMib) <= virtualSize(disk.path())) {
            return;
        }
        commands.check(List.of("qemu-img", "resize", "-q", "-f", "qcow2", disk.path().toString(), sizeMib + "M"), TIMEOUT);
    }

    /** The overlay's virtual disk size in bytes, from qemu-img info. */
    long virtualSize(Path overlay) {
        String info = commands.check(List.of("qemu-img", "info", "-U", "-f", "qcow2", "--output=json", overlay.toString()), TIMEOUT)
                .stdout();
        try {
            JsonNode size = JSON.readTree(info).get("virtual-size");
            if (size == null) {
                throw new IllegalStateException("qemu-img info gave no virtual-size for " + overlay);
            }
            return size.asLong();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse qemu-img info for " + overlay, e);
        }
    }

    @Override
    public void remove(VmDisk disk) {
        try {
            Files.deleteIfExists(disk.path());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + disk.path(), e);
        }
    }
}
