package banger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `banger image register NAME --kernel K --rootfs R [--initrd I] [--os tiny|debian]`: host files as an image. */
@Command(name = "register", description = "Register a kernel, optional initrd and ext4 root on the daemon's host as an image.")
final class ImageRegisterCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Image name.")
    private String name;

    @Option(names = "--kernel", required = true, paramLabel = "PATH", description = "Kernel (bzImage) on the daemon's host.")
    private Path kernel;

    @Option(names = "--initrd", paramLabel = "PATH", description = "Initramfs on the daemon's host.")
    private Path initrd;

    @Option(names = "--rootfs", required = true, paramLabel = "PATH", description = "ext4 root file system on the daemon's host.")
    private Path rootfs;

    @Option(names = "--os", paramLabel = "OS", description = "How guest configuration is written: tiny or debian (default).")
    private String os;

    record RegisterRequest(String name, String kernel, String initrd, String rootfs, String os) {
    }

    @Override
    public Integer call() {
        JsonNode image = api().send("POST", ApiPaths.IMAGES, new RegisterRequest(name, absolute(kernel),
                initrd == null ? null : absolute(initrd), absolute(rootfs), os), ApiClient.BOOTSTRAP_TIMEOUT);
        out().println("registered image " + image.path("name").asText() + " " + Formats.bytes(image.path("rootfs_bytes").asLong()));
        out().flush();
        return 0;
    }

    /** The daemon resolves nothing against the CLI's directory: paths go absolute. */
    private static String absolute(Path p) {
        return p.toAbsolutePath().normalize().toString();
    }
}
