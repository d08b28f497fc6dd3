package banger.vmm.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.host.ProcessHostCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A console log that the VMM appends to itself (Firecracker's stdout, started the way FirecrackerVmm starts it:
 * {@code startDetached}, output appended to {@code console.log}) is capped and rotated by the console sweep;
 * the process keeps writing to the start of the truncated file, never into a hole.
 */
class VmmWrittenConsoleCapTest {

    private static final ConsoleLimits LIMITS = new ConsoleLimits(64 * 1024, 2);

    @TempDir
    Path vms;

    @Test
    void theSweepRotatesALogPastTheCapAndTheWritersNextOutputStartsTheFreshFile() throws Exception {
        Path vmDir = Files.createDirectories(vms.resolve("vm1"));
        Path log = vmDir.resolve(SerialConsoles.LOG_NAME);
        Path go = vmDir.resolve("go");
        // writes 1 MiB at once, then one marker line each time the test creates "go"
        String script = "head -c 1048576 /dev/zero | tr '\\0' x; echo; "
                + "while :; do if [ -e '" + go + "' ]; then rm -f '" + go + "'; echo after-rotation; fi; sleep 0.05; done";
        ProcessHostCommands host = new ProcessHostCommands();
        long pid = host.startDetached(List.of("sh", "-c", script), log);
        try (SerialConsoles consoles = new SerialConsoles(LIMITS)) {
            await("1 MiB written", () -> Files.size(log) > 1048576);

            consoles.sweep(vms);

            assertEquals(0, Files.size(log), "the live log is truncated in place");
            assertEquals(LIMITS.maxBytes(), Files.size(vmDir.resolve("console.log.1")), "the newest 64 KiB are kept");
            assertTrue(Files.readString(vmDir.resolve("console.log.1")).endsWith("x\n"));
            Files.createFile(go);
            await("the writer's next line", () -> Files.size(log) > 0);
            await("the whole line", () -> Files.readString(log).endsWith("\n"));
            assertEquals("after-rotation\n", Files.readString(log), "appended at the start, no hole before it");

            consoles.sweep(vms);
            assertEquals("after-rotation\n", Files.readString(log), "a log under the cap is left alone");
            assertFalse(Files.exists(vmDir.resolve("console.log.2")));
        } finally {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void repeatedRotationsKeepOnlyKeepFilesGenerations() throws Exception {
        Path vmDir = Files.createDirectories(vms.resolve("vm2"));
        Path log = vmDir.resolve(SerialConsoles.LOG_NAME);
        try (SerialConsoles consoles = new SerialConsoles(LIMITS)) {
            for (char c : "abcd".toCharArray()) {
                Files.writeString(log, String.valueOf(c).repeat(100_000), java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
                consoles.sweep(vms);
                assertEquals(0, Files.size(log));
            }
        }
        assertEquals('d', Files.readString(vmDir.resolve("console.log.1")).charAt(0));
        assertEquals('c', Files.readString(vmDir.resolve("console.log.2")).charAt(0));
        assertFalse(Files.exists(vmDir.resolve("console.log.3")));
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private static void await(String what, Check check) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!check.holds()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(20);
        }
    }
}
