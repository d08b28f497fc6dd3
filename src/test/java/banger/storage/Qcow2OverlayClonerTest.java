package banger.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.host.HostCommands;
import banger.host.ProcessHostCommands;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Qcow2OverlayClonerTest {

    private final HostCommands commands = new ProcessHostCommands();
    private final Qcow2OverlayCloner cloner = new Qcow2OverlayCloner(commands);

    @TempDir
    Path dir;

    private JsonNode info(Path overlay) throws Exception {
        return new ObjectMapper().readTree(commands.check(
                List.of("qemu-img", "info", "--output=json", overlay.toString()), ClonerTestImages.TIMEOUT).stdout());
    }

    @Test
    void cloneIsASmallQcow2OverTheRawImageWithTheRequestedSize() throws Exception {
        Path image = ClonerTestImages.ext4(commands, dir, 16);
        byte[] before = Files.readAllBytes(image);

        VmDisk disk = cloner.clone(image, dir.resolve("vm"), 64);

        assertEquals(VmDisk.QCOW2, disk.format());
        JsonNode info = info(disk.path());
        assertEquals("qcow2", info.get("format").asText());
        assertEquals(64L << 20, info.get("virtual-size").asLong());
        assertEquals(image.toAbsolutePath().toString(), info.get("full-backing-filename").asText());
        assertEquals("raw", info.get("backing-filename-format").asText());
        assertTrue(Files.size(disk.path()) < 1 << 20, "overlay holds no data yet");
        assertArrayEquals(before, Files.readAllBytes(image));
    }

    @Test
    void overlayReadsTheImageContent() throws Exception {
        Path image = ClonerTestImages.ext4(commands, dir, 16);
        VmDisk disk = cloner.clone(image, dir.resolve("vm"), 16);
        Path raw = dir.resolve("flat.raw");
        commands.check(List.of("qemu-img", "convert", "-f", "qcow2", "-O", "raw", disk.path().toString(), raw.toString()),
                ClonerTestImages.TIMEOUT);
        assertEquals("from the image\n", ClonerTestImages.catFile(commands, raw, "/hello"));
    }

    @Test
    void resizeGrowsTheVirtualSizeButNeverShrinks() throws Exception {
        Path image = ClonerTestImages.ext4(commands, dir, 16);
        VmDisk disk = cloner.clone(image, dir.resolve("vm"), 32);
        cloner.resize(disk, 100);
        assertEquals(100L << 20, cloner.virtualSize(disk.path()));
        cloner.resize(disk, 50);
        assertEquals(100L << 20, cloner.virtualSize(disk.path()));
    }

    @Test
    void diskSmallerThanImageIsRejected() throws Exception {
        Path image = ClonerTestImages.ext4(commands, dir, 16);
        assertThrows(IllegalArgumentException.class, () -> cloner.clone(image, dir.resolve("vm"), 4));
    }

    @Test
    void removeDeletesOnlyTheOverlay() throws Exception {
        Path image = ClonerTestImages.ext4(commands, dir, 16);
        VmDisk disk = cloner.clone(image, dir.resolve("vm"), 16);
        cloner.remove(disk);
        assertFalse(Files.exists(disk.path()));
        assertTrue(Files.exists(image));
        cloner.remove(disk);
    }
}
