package banger.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;
import org.junit.jupiter.api.Test;

class InitramfsWriterTest {

    @Test
    void writesGzippedNewcWithFilesDirectoriesLinksAndDevices() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (InitramfsWriter writer = new InitramfsWriter(bytes)) {
            writer.directory("bin", 0755);
            writer.file("init", 0755, "#!/bin/sh\n".getBytes());
            writer.symlink("bin/sh", "/bin/busybox");
            writer.characterDevice("dev/console", 0600, 5, 1);
        }
        Map<String, CpioArchiveEntry> entries = new LinkedHashMap<>();
        Map<String, String> contents = new LinkedHashMap<>();
        try (CpioArchiveInputStream cpio = new CpioArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(bytes.toByteArray())))) {
            CpioArchiveEntry entry;
            while ((entry = cpio.getNextEntry()) != null) {
                assertEquals(CpioConstants.FORMAT_NEW, entry.getFormat());
                entries.put(entry.getName(), entry);
                contents.put(entry.getName(), new String(cpio.readAllBytes()));
            }
        }
        assertEquals(List.of("bin", "init", "bin/sh", "dev/console"), List.copyOf(entries.keySet()));
        assertTrue(entries.get("bin").isDirectory());
        assertEquals(CpioConstants.C_ISREG | 0755, entries.get("init").getMode());
        assertEquals("#!/bin/sh\n", contents.get("init"));
        assertTrue(entries.get("bin/sh").isSymbolicLink());
        assertEquals("/bin/busybox", contents.get("bin/sh"));
        CpioArchiveEntry console = entries.get("dev/console");
        assertTrue(console.isCharacterDevice());
        assertEquals(5, console.getRemoteDeviceMaj());
        assertEquals(1, console.getRemoteDeviceMin());
        assertEquals(0, console.getUID());
    }

    @Test
    void absolutePathsAreRejected() throws IOException {
        try (InitramfsWriter writer = new InitramfsWriter(new ByteArrayOutputStream())) {
            assertThrows(IllegalArgumentException.class, () -> writer.directory("/bin", 0755));
        }
    }
}
