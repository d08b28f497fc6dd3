package banger.vmm.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RotatingLogTest {

    @TempDir
    Path dir;

    @Test
    void theLiveLogNeverPassesTheCapAndOnlyKeepFilesRotatedLogsStay() throws Exception {
        Path file = dir.resolve("console.log");
        byte[] chunk = new byte[3000];
        try (RotatingLog log = new RotatingLog(file, new ConsoleLimits(4096, 2))) {
            for (int i = 0; i < 10; i++) {
                java.util.Arrays.fill(chunk, (byte) ('a' + i));
                log.append(chunk, 0, chunk.length);
                assertEquals(true, Files.size(file) <= 4096, "live log at " + Files.size(file));
            }
        }
        // 30000 bytes: seven full files and 1328 bytes; the last two full ones are kept
        assertEquals(30000 - 7 * 4096, Files.size(file));
        assertEquals(4096, Files.size(dir.resolve("console.log.1")));
        assertEquals(4096, Files.size(dir.resolve("console.log.2")));
        assertFalse(Files.exists(dir.resolve("console.log.3")));
        byte[] newest = Files.readAllBytes(file);
        assertEquals('j', newest[newest.length - 1]);
    }

    @Test
    void keepingNoFilesOnlyStartsAFreshLog() throws Exception {
        Path file = dir.resolve("console.log");
        Files.writeString(file, "x".repeat(1000));
        try (RotatingLog log = new RotatingLog(file, new ConsoleLimits(1024, 0))) {
            log.append(new byte[100], 0, 100);
        }
        assertEquals(76, Files.size(file));
        assertFalse(Files.exists(dir.resolve("console.log.1")));
    }
}
