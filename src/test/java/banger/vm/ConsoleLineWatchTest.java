package banger.vm;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleLineWatchTest {

    @TempDir
    Path dir;

    @Test
    void seesALineAppendedInPiecesAndOnlyAsAWholeLine() throws Exception {
        Path log = dir.resolve("console.log");
        ConsoleLineWatch watch = new ConsoleLineWatch(log, "ready");
        assertFalse(watch.seen());
        Files.writeString(log, "booting\nnot ready\nrea");
        assertFalse(watch.seen());
        Files.writeString(log, "dy\r\n", StandardOpenOption.APPEND);
        assertTrue(watch.seen());
    }

    @Test
    void aLineThatWentIntoTheRotatedLogIsStillSeen() throws Exception {
        Path log = dir.resolve("console.log");
        ConsoleLineWatch watch = new ConsoleLineWatch(log, "ready");
        Files.writeString(log, "x".repeat(500) + "\n");
        assertFalse(watch.seen());
        Files.writeString(log, "ready\n", StandardOpenOption.APPEND);
        Files.move(log, dir.resolve("console.log.1"));
        Files.writeString(log, "after\n");
        assertTrue(watch.seen());
    }
}
