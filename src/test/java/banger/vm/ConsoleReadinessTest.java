package banger.vm;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConsoleReadinessTest {

    private final ConsoleReadiness readiness = new ConsoleReadiness();
    private final VmSpec spec = new VmSpec("abc", "web", "tiny", 1, 128, 64, null, Map.of());

    private VmDirectory dirWithConsole(String text) throws Exception {
        VmDirectory dir = new VmDirectory(Files.createTempDirectory("banger-console"));
        Files.writeString(dir.consoleLog(), text);
        return dir;
    }

    @Test
    void readyOnceTheGuestPrintsItsReadinessLine() throws Exception {
        VmDirectory dir = dirWithConsole("booting\n");
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(
                () -> readiness.awaitReady(spec, dir, () -> true, Duration.ofSeconds(10)));
        Thread.sleep(300);
        assertTrue(!waiting.isDone(), "not ready before the line");
        Files.writeString(dir.consoleLog(), "booting\r\nbanger-guest-ready\r\n");
        waiting.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aVmmThatDiesDuringBootFailsWithTheConsoleTail() throws Exception {
        VmDirectory dir = dirWithConsole("Kernel panic - not syncing: VFS: Unable to mount root fs\n");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> readiness.awaitReady(spec, dir, () -> false, Duration.ofSeconds(10)));
        assertTrue(e.getMessage().contains("VMM exited during boot"), e.getMessage());
        assertTrue(e.getMessage().contains("Unable to mount root fs"), e.getMessage());
    }

    @Test
    void aGuestThatNeverGetsReadyFailsAtTheDeadlineWithTheConsoleTail() throws Exception {
        VmDirectory dir = dirWithConsole("stuck in initramfs\n");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> readiness.awaitReady(spec, dir, () -> true, Duration.ofMillis(600)));
        assertTrue(e.getMessage().contains("not ready after"), e.getMessage());
        assertTrue(e.getMessage().contains("stuck in initramfs"), e.getMessage());
    }

    @Test
    void aMissingConsoleLogIsNotReady() throws Exception {
        VmDirectory dir = new VmDirectory(Files.createTempDirectory("banger-console").resolve("none"));
        assertThrows(IllegalStateException.class,
                () -> readiness.awaitReady(spec, dir, () -> true, Duration.ofMillis(300)));
        assertTrue(!Files.exists(Path.of(dir.root().toString(), "console.log")));
    }
}
