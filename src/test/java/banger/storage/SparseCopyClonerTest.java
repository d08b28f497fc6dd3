package banger.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.host.HostCommands;
import banger.host.ProcessHostCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparseCopyClonerTest {

    private final HostCommands commands = new ProcessHostCommands();
    private final SparseCopyCloner cloner = new SparseCopyCloner(commands);

    @TempDir
    Path dir;

    @Test
    void cloneIsARawCopyGrownWithItsFilesystemAndLeavesTheImageAlone() throws Exception {
        Path image = ClonerTestImages.ext4(commands, dir, 16);
        byte[] before = Files.readAllBytes(image);

        VmDisk disk = cloner.clone(image, dir.resolve("vm"), 48);

        assertEquals(VmDisk.RAW, disk.format());
        assertEquals(dir.resolve("vm/disk.raw"), disk.path());
        assertEquals(48L << 20, Files.size(disk.path()));
        assertEquals(48L << 20, ClonerTestImages.filesystemBytes(commands, disk.path()));
        assertEquals("from the image\n", ClonerTestImages.catFile(commands, disk.path(), "/hello"));
        assertTrue(commands.run(List.of("e2fsck", "-fn", disk.path().toString()), ClonerTestImages.TIMEOUT).ok());
        assertArrayEquals(before, Files.readAllBytes(image));
    }

    /** Stands for the daemon dying: nothing after it runs, no cleanup either. */
    private static final class KilledHere extends Error {
    }

    @Test
    void aCopyInterruptedMidWayNeverLeavesADiskAtTheFinalPath() throws Exception {
        Path image = ClonerTestImages.ext4(commands, dir, 16);
        Path vmDir = dir.resolve("vm");
        HostCommands dyingMidCopy = new HostCommands() {
            @Override
            public banger.host.CommandResult run(List<String> argv, java.time.Duration timeout, byte[] stdin) {
                if (argv.get(0).equals("cp")) {
                    // what a SIGKILL leaves: the copy's destination written half-way, and nothing after it
                    Path destination = Path.of(argv.get(argv.size() - 1));
                    try {
                        Files.write(destination, new byte[4096]);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    throw new KilledHere();
                }
                return commands.run(argv, timeout, stdin);
            }

            @Override
            public long startDetached(List<String> argv, Path output) {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean available(String program) {
                return true;
            }
        };

        assertThrows(KilledHere.class, () -> new SparseCopyCloner(dyingMidCopy).clone(image, vmDir, 48));

        assertFalse(Files.exists(vmDir.resolve("disk.raw")), "a half-copied disk must never sit where starts look");
        VmDisk disk = cloner.clone(image, vmDir, 48);
        assertEquals("from the image\n", ClonerTestImages.catFile(commands, disk.path(), "/hello"));
    }

    @Test
    void cloneIsSparse() throws Exception {
        Path image = ClonerTestImages.ext4(commands, dir, 16);
        VmDisk disk = cloner.clone(image, dir.resolve("vm"), 256);
        long allocated = Long.parseLong(commands.check(List.of("stat", "-c", "%b", disk.path().toString()),
                ClonerTestImages.TIMEOUT).stdout().strip()) * 512;
        assertTrue(allocated < 64L << 20, "allocated " + allocated + " bytes for a 256 MiB disk");
    }

    @Test
    void resizeGrowsButNeverShrinks() throws Exception {
        Path image = ClonerTestImages.ext4(commands, dir, 16);
        VmDisk disk = cloner.clone(image, dir.resolve("vm"), 16);
        cloner.resize(disk, 40);
        assertEquals(40L << 20, Files.size(disk.path()));
        assertEquals(40L << 20, ClonerTestImages.filesystemBytes(commands, disk.path()));
        cloner.resize(disk, 20);
        assertEquals(40L << 20, Files.size(disk.path()));
    }

    @Test
    void diskSmallerThanImageIsRejected() throws Exception {
        Path image = ClonerTestImages.ext4(commands, dir, 16);
        assertThrows(IllegalArgumentException.class, () -> cloner.clone(image, dir.resolve("vm"), 8));
        assertFalse(Files.exists(dir.resolve("vm/disk.raw")));
    }

    @Test
    void removeDeletesTheDiskAndToleratesItsAbsence() throws Exception {
        Path image = ClonerTestImages.ext4(commands, dir, 16);
        VmDisk disk = cloner.clone(image, dir.resolve("vm"), 16);
        cloner.remove(disk);
        assertFalse(Files.exists(disk.path()));
        cloner.remove(disk);
    }
}
