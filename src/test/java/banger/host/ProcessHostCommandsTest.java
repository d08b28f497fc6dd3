package banger.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessHostCommandsTest {

    private final ProcessHostCommands host = new ProcessHostCommands();

    @Test
    void aProgramStillOpenForWritingIsRunOnceItsWriterCloses(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("hello");
        Files.writeString(script, "#!/bin/sh\necho hello\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        CountDownLatch opened = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // the writer held open stands for a descriptor a concurrently forked child inherited
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (FileOutputStream out = new FileOutputStream(script.toFile(), true)) {
                opened.countDown();
                release.await(10, TimeUnit.SECONDS);
                out.write(new byte[0]);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(opened.await(10, TimeUnit.SECONDS));
        IOException busy = assertThrows(IOException.class, () -> new ProcessBuilder(script.toString()).start());
        assertTrue(busy.getMessage().contains("error=26,"), busy.getMessage());
        CompletableFuture<CommandResult> run = CompletableFuture.supplyAsync(
                () -> host.check(List.of(script.toString()), Duration.ofSeconds(10)));
        Thread.sleep(300); // lets the first attempts meet the busy file; the result does not depend on it
        release.countDown();
        writer.get(10, TimeUnit.SECONDS);

        assertEquals("hello\n", run.get(20, TimeUnit.SECONDS).stdout());
    }

    @Test
    void aProgramThatDoesNotExistFailsAtOnceWithItsName(@TempDir Path dir) {
        String missing = dir.resolve("missing").toString();
        long started = System.nanoTime();
        HostCommandException e = assertThrows(HostCommandException.class,
                () -> host.run(List.of(missing), Duration.ofSeconds(5), null));
        assertTrue(e.getMessage().contains(missing), e.getMessage());
        assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(2)) < 0);
    }

    @Test
    void standardInputReachesTheProgram() {
        CommandResult r = host.run(List.of("cat"), Duration.ofSeconds(5), "piped".getBytes(StandardCharsets.UTF_8));
        assertEquals(0, r.exitCode());
        assertEquals("piped", r.stdout());
    }
}
