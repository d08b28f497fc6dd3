package banger.storage;

import banger.host.HostCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A small real ext4 image with one known file, made with mke2fs -d in a test's temp dir. */
final class ClonerTestImages {

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private ClonerTestImages() {
    }

    static Path ext4(HostCommands commands, Path dir, int sizeMib) throws Exception {
        Path content = Files.createDirectories(dir.resolve("content"));
        Files.writeString(content.resolve("hello"), "from the image\n");
        Path image = dir.resolve("base.ext4");
        commands.check(List.of("mke2fs", "-t", "ext4", "-F", "-q", "-d", content.toString(), image.toString(), sizeMib + "M"),
                TIMEOUT);
        return image;
    }

    /** Block count times block size, from dumpe2fs -h. */
    static long filesystemBytes(HostCommands commands, Path image) {
        String header = commands.check(List.of("dumpe2fs", "-h", image.toString()), TIMEOUT).stdout();
        long blocks = field(header, "Block count:");
        long blockSize = field(header, "Block size:");
        return blocks * blockSize;
    }

    private static long field(String header, String name) {
        return header.lines().filter(l -> l.startsWith(name))
                .map(l -> Long.parseLong(l.substring(name.length()).strip()))
                .findFirst().orElseThrow(() -> new AssertionError(name + " missing in dumpe2fs output"));
    }

    static String catFile(HostCommands commands, Path image, String path) {
        return commands.check(List.of("debugfs", "-R", "cat " + path, image.toString()), TIMEOUT).stdout();
    }
}
