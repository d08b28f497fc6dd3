package banger.testsupport;

import banger.host.ProcessHostCommands;
import banger.image.DebianImageBuilder;
import banger.image.Image;
import banger.image.TinyImageBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Supplier;

/**
 * The images for tests, built once and kept across test runs (and worktrees) in
 * {@code ${java.io.tmpdir}/banger-test-images/<name>}; an incomplete directory is rebuilt. File locks keep
 * concurrent test JVMs from building an image twice at once.
 */
public final class TestImages {

    public static final Path ROOT = Path.of(System.getProperty("java.io.tmpdir"), "banger-test-images");

    private static Image tiny;
    private static Image debian;

    private TestImages() {
    }

    public static synchronized Image tiny() {
        if (tiny == null) {
            tiny = buildLocked(".lock", () -> new TinyImageBuilder(new ProcessHostCommands()).build("tiny", ROOT.resolve("tiny")));
        }
        return tiny;
    }

    /** The debian image (debootstrap: a few minutes the first time, then cached). */
    public static synchronized Image debian() {
        if (debian == null) {
            debian = buildLocked(".debian.lock", () -> new DebianImageBuilder(new ProcessHostCommands()).build("debian", ROOT.resolve("debian")));
        }
        return debian;
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
