package banger.image;

import banger.host.HostCommands;
import banger.vm.RequestRejected;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Builds images from the known presets into {@code <images-dir>/<name>/}, and adds the uncompressed
 * vmlinux Firecracker needs beside the bzImage QEMU boots.
 */
public final class PresetImageBuilder implements ImageBuilder {

    private static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9._-]{0,62}$");

    private final HostCommands host;
    private final Path imagesDir;

    public PresetImageBuilder(HostCommands host, Path imagesDir) {
        this.host = host;
        this.imagesDir = imagesDir;
    }

    @Override
    public Image build(String preset, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new RequestRejected(RequestRejected.Reason.INVALID,
                    "invalid image name '" + name + "': lowercase letters, digits, '.', '_' and '-'");
        }
        Path target = imagesDir.resolve(name);
        Image base = switch (preset) {
            case TinyImageBuilder.OS -> new TinyImageBuilder(host).build(name, target);
            case DebianImageBuilder.OS -> new DebianImageBuilder(host).build(name, target);
            default -> throw new RequestRejected(RequestRejected.Reason.INVALID,
                    "unknown image preset '" + preset + "' (known: tiny, debian)");
        };
        return withVmlinux(base, target);
    }

    private Image withVmlinux(Image image, Path target) {
        Path vmlinux = target.resolve("vmlinux");
        try {
            if (!Files.isRegularFile(vmlinux)) {
                new VmlinuxExtractor(host).extract(Path.of(image.kernel()), vmlinux);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract vmlinux from " + image.kernel(), e);
        }
        return new Image(image.name(), image.os(), image.kernel(), image.initrd(), vmlinux.toString(),
                image.rootfs(), image.rootfsBytes(), image.createdAt());
    }
}
