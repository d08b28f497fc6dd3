package banger.testsupport;

import banger.host.ProcessHostCommands;
import banger.image.DebianImageBuilder;
import banger.image.Image;
import banger.image.TinyImageBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The images for tests, built once and kept across test runs (and worktrees) in
 * {@code ${java.io.tmpdir}/banger-test-images/<name>-<fingerprint>}; an incomplete directory is rebuilt. The
 * fingerprint covers the image builders and their guest files, so a changed init or module list never boots
 * from a stale cache. File locks keep concurrent test JVMs from building an image twice at once.
 */
public final class TestImages {

    public static final Path ROOT = Path.of(System.getProperty("java.io.tmpdir"), "banger-test-images");

    private static Image tiny;
    private static Image debian;

    private TestImages() {
    }

    public static synchronized Image tiny() {
        if (tiny == null) {
            tiny = buildLocked(".lock", () -> new TinyImageBuilder(new ProcessHostCommands())
                    .build("tiny", ROOT.resolve("tiny-" + fingerprint())));
        }
        return tiny;
    }

    /** The debian image (debootstrap: a few minutes the first time, then cached). */
    public static synchronized Image debian() {
        if (debian == null) {
            debian = buildLocked(".debian.lock", () -> new DebianImageBuilder(new ProcessHostCommands())
                    .build("debian", ROOT.resolve("debian-" + fingerprint())));
        }
        return debian;
    }

    /** A hash of what decides an image's contents: the builder classes and the guest files they install. */
    private static String fingerprint() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            Path classes = Path.of(TinyImageBuilder.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            try (Stream<Path> files = Files.walk(classes.resolve("banger/image"))) {
                // banger/image/oci builds on the presets but is no part of them
                for (Path f : files.filter(Files::isRegularFile)
                        .filter(f -> !classes.relativize(f).startsWith("banger/image/oci")).sorted().toList()) {
                    sha.update(classes.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
                    sha.update(Files.readAllBytes(f));
                }
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 12);
        } catch (IOException | URISyntaxException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot fingerprint the image builders", e);
        }
    }

    /** Builds under a lock file of its own per image, so a long debian build does not hold up tiny users. */
    private static Image buildLocked(String lockName, Supplier<Image> build) {
        try {
            Files.createDirectories(ROOT);
            try (FileChannel lockFile = FileChannel.open(ROOT.resolve(lockName), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lockFile.lock()) {
                return build.get();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the test image under " + ROOT, e);
        }
    }
}
