package banger.image.oci;

import banger.host.HostCommands;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

/**
 * banger's guest kit, added to a pulled image under {@value #DIR} and booted with {@code init=}{@value #INIT}:
 * static busybox (with its applets), dropbear, dropbearkey, resize2fs and script (a tty session's terminal) with
 * their shared libraries and glibc's loader (run through that loader, so they work on musl or library-less
 * images), and an init that takes the guest's configuration from the kernel command line as the tiny image's
 * does. The programs are taken, with {@code debugfs} (no mounting), from the root of a tiny image.
 */
public final class GuestKit {

    public static final String DIR = ".banger";
    public static final String INIT = "/.banger/init";
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final String RESOURCES = "/banger/image/oci/";
    private static final List<String> LOADED = List.of("dropbear", "dropbearkey", "resize2fs");
    /** Loaded like those when the tiny image has it (tiny images built before it carried script do not). */
    private static final String SCRIPT = "script";

    private final HostCommands host;

    public GuestKit(HostCommands host) {
        this.host = host;
    }

    /** Writes the kit into {@code root}/.banger, taking its programs from the tiny root filesystem {@code tinyRootfs}. */
    public void install(Path tinyRootfs, Path root, Path work) throws IOException {
        Path extracted = Files.createDirectories(work.resolve("kit-source"));
        Path libs = Files.createDirectories(extracted.resolve("libs"));
        debugfs(tinyRootfs, "rdump /lib64 /lib/x86_64-linux-gnu " + libs);
        for (String file : List.of("/bin/busybox", "/usr/sbin/dropbear", "/usr/bin/dropbearkey", "/sbin/resize2fs",
                "/usr/bin/script")) {
            debugfs(tinyRootfs, "dump -p " + file + " " + extracted.resolve(file.substring(file.lastIndexOf('/') + 1)));
        }
        Path kit = Files.createDirectories(root.resolve(DIR));
        Path bin = Files.createDirectories(kit.resolve("bin"));
        Path lib = Files.createDirectories(kit.resolve("lib"));
        Path libexec = Files.createDirectories(kit.resolve("libexec"));
        Files.createDirectories(kit.resolve("etc/acpi/PWRF"));

        Path busybox = bin.resolve("busybox");
        Files.copy(extracted.resolve("busybox"), busybox);
        chmod(busybox, 0755);
        String applets = host.check(List.of(busybox.toString(), "--list"), TIMEOUT).stdout();
        for (String applet : applets.split("\n")) {
            String name = applet.strip();
            if (!name.isEmpty() && !name.equals("busybox") && !LOADED.contains(name)) {
                Files.createSymbolicLink(bin.resolve(name), Path.of("busybox"));
            }
        }
        copyLibraries(libs, lib);
        if (!Files.isRegularFile(lib.resolve("ld-linux-x86-64.so.2"))) {
            throw new IOException("the tiny image has no /lib64/ld-linux-x86-64.so.2 for the guest kit");
        }
        byte[] loader = resource("kit-loader");
        for (String program : LOADED) {
            installLoaded(extracted, program, libexec, bin, loader);
        }
        if (Files.isRegularFile(extracted.resolve(SCRIPT))) {
            installLoaded(extracted, SCRIPT, libexec, bin, loader);
        }
        write(kit.resolve("init"), resource("kit-init"), 0755);
        write(kit.resolve("etc/acpi/PWRF/00000080"), resource("kit-power-button"), 0755);
    }

    private static void installLoaded(Path extracted, String program, Path libexec, Path bin, byte[] loader)
            throws IOException {
        Files.copy(extracted.resolve(program), libexec.resolve(program));
        chmod(libexec.resolve(program), 0755);
        write(bin.resolve(program), loader, 0755);
    }

    private void debugfs(Path image, String request) {
        // debugfs exits 0 even when a request fails; the files it should have written are checked by their use
        host.check(List.of("debugfs", "-R", request, image.toString()), TIMEOUT);
    }

    /** Every library found under {@code from} (any depth), flat into {@code to}, symlinks resolved. */
    private static void copyLibraries(Path from, Path to) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(from)) {
            for (Path entry : entries) {
                if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    copyLibraries(entry, to);
                } else if (Files.isRegularFile(entry) && entry.getFileName().toString().contains(".so")) {
                    Files.copy(entry, to.resolve(entry.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    chmod(to.resolve(entry.getFileName()), 0755);
                }
            }
        }
    }

    private static void write(Path file, byte[] content, int mode) throws IOException {
        Files.write(file, content);
        chmod(file, mode);
    }

    private static void chmod(Path file, int mode) throws IOException {
        Files.setAttribute(file, "unix:mode", mode);
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = GuestKit.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCES + name);
            }
            return in.readAllBytes();
        }
    }
}
