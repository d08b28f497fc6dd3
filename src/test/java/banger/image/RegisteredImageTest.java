package banger.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.core.Rejected;
import banger.core.Rejection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegisteredImageTest {

    @TempDir
    Path dir;
    Path kernel;
    Path ext4;

    @BeforeEach
    void files() throws IOException {
        kernel = Files.writeString(dir.resolve("vmlinuz"), "kernel");
        byte[] superblock = new byte[4096];
        superblock[1080] = 0x53;
        superblock[1081] = (byte) 0xEF;
        ext4 = Files.write(dir.resolve("rootfs.ext4"), superblock);
    }

    @Test
    void existingFilesWithAnExtRootAreRecordedAsRegisteredDebianByDefault() {
        Image image = RegisteredImage.of("own", null, kernel.toString(), null, ext4.toString());
        assertEquals("debian", image.os());
        assertEquals(RegisteredImage.SOURCE, image.source());
        assertNull(image.initrd());
        assertEquals(4096, image.rootfsBytes());
    }

    @Test
    void aRootThatIsNotExtIsRefused() {
        assertRefused(() -> RegisteredImage.of("own", "tiny", kernel.toString(), null, kernel.toString()), "not an ext4");
    }

    @Test
    void relativeMissingAndMalformedInputsAreRefused() {
        assertRefused(() -> RegisteredImage.of("own", null, "vmlinuz", null, ext4.toString()), "absolute host path");
        assertRefused(() -> RegisteredImage.of("own", null, kernel.toString(), dir.resolve("nope").toString(),
                ext4.toString()), "not a readable regular file");
        assertRefused(() -> RegisteredImage.of("Own!", null, kernel.toString(), null, ext4.toString()), "invalid image name");
        assertRefused(() -> RegisteredImage.of("own", "windows", kernel.toString(), null, ext4.toString()), "os must be");
        assertRefused(() -> RegisteredImage.of("own", null, null, null, ext4.toString()), "kernel is required");
    }

    private static void assertRefused(org.junit.jupiter.api.function.Executable call, String why) {
        Rejected e = assertThrows(Rejected.class, call);
        assertEquals(Rejection.Reason.INVALID_REQUEST, e.reason());
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }
}
