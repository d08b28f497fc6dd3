package banger.image;

import banger.host.HostCommands;
import banger.core.Rejected;
import banger.core.Rejection;
import banger.wire.ImageNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds images from the known presets into {@code <images-dir>/<name>/}, and adds the uncompressed
 * vmlinux Firecracker needs beside the bzImage QEMU boots.
 */
public final class PresetImageBuilder implements ImageBuilder {

    private final HostCommands host;
    private final Path imagesDir;
    private final Path packageCache;

    public PresetImageBuilder(HostCommands host, Path imagesDir) {
        this(host, imagesDir, null);
    }

    /** @param packageCache where downloaded .debs are kept, shared by every state dir; null: beside the images */
    public PresetImageBuilder(HostCommands host, Path imagesDir, Path packageCache) {
        this.host = host;
        this.imagesDir = imagesDir;
        this.packageCache = packageCache;
    }

    @Override
    public Image build(String preset, String name, BuildListener listener) {
        listener.progress(BuildProgress.phase("building"));
        listener.checkCancelled();
        Path target = imagesDir.resolve(name);
        boolean existed = Files.exists(target);
        Image image = build(preset, name);
        if (listener.cancelled() && !existed) {
            // cancelled as it finished: what it published must not be found by a later build
            FileTrees.delete(target);
        }
        listener.checkCancelled();
        return image;
    }

    @Override
    public Image build(String preset, String name) {
        if (!ImageNames.valid(name)) {
            throw new Rejected(Rejection.Reason.INVALID_REQUEST, ImageNames.invalid(name));
        }
        Path target = imagesDir.resolve(name);
        Image base = switch (preset) {
            case TinyImageBuilder.OS -> new TinyImageBuilder(host, packageCache).build(name, target);
            case DebianImageBuilder.OS -> new DebianImageBuilder(host, DebianMirror.forSuite(Path.of("/etc/apt"),
                    DebianImageBuilder.SUITE), packageCache).build(name, target);
            default -> throw new Rejected(Rejection.Reason.INVALID_REQUEST,
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
        Image withKernel = image.withVmlinux(vmlinux.toString());
        return withKernel.source() != null ? withKernel : withKernel.withSource("preset:" + image.os());
    }
}
