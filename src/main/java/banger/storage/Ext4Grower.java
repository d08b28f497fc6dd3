package banger.storage;

import banger.host.CommandResult;
import banger.host.HostCommandException;
import banger.host.HostCommands;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Grows a raw disk file and the ext4 filesystem filling it, offline and without mounting. */
final class Ext4Grower {

    private static final Duration FSCK_TIMEOUT = Duration.ofMinutes(5);
    /** e2fsck exit codes up to 3 mean "clean" or "errors corrected". */
    private static final int FSCK_MAX_OK = 3;

    private final HostCommands commands;

    Ext4Grower(HostCommands commands) {
        this.commands = commands;
    }

    /** Extends {@code file} (sparsely) to {@code bytes} and resizes its ext4 to fill it; never shrinks. */
    void grow(Path file, long bytes) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            if (raf.length() >= bytes) {
                return;
            }
            raf.setLength(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extend " + file, e);
        }
        // resize2fs insists on a freshly checked filesystem
        CommandResult fsck = commands.run(List.of("e2fsck", "-fy", file.toString()), FSCK_TIMEOUT);
        if (fsck.exitCode() > FSCK_MAX_OK) {
            throw new HostCommandException("e2fsck " + file + " exited " + fsck.exitCode() + ": " + fsck.stdout().strip());
        }
        commands.check(List.of("resize2fs", file.toString()), FSCK_TIMEOUT);
    }
}
