package banger.testsupport;

import banger.host.ProcessHostCommands;
import banger.image.Image;
import banger.image.TinyImageBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The tiny image for tests, built once and kept across test runs (and worktrees) in
 * {@code ${java.io.tmpdir}/banger-test-images/tiny}; an incomplete directory is rebuilt. A file lock keeps
 * concurrent test JVMs from building it twice at once.
 */
public final class TestImages {

    public static final Path ROOT = Path.of(System.getProperty("java.io.tmpdir"), "banger-test-images");

    private static Image tiny;

    private TestImages() {
    }

    public static synchronized Image tiny() {
        if (tiny == null) {
            tiny = buildLocked();
        }
        return tiny;
    }

    private static Image buildLocked() {
        try {
            Files.createDirectories(ROOT);
            try (FileChannel lockFile = FileChannel.open(ROOT.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lockFile.lock()) {
                return new TinyImageBuilder(new ProcessHostCommands()).build("tiny", ROOT.resolve("tiny"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the test image under " + ROOT, e);
        }
    }
}
