package banger.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GuestSsh's streaming stdin/stdout against a real dropbear, the SSH server guests run. */
class GuestSshStreamingTest {

    private static final String HOST = "127.0.0.1";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    private static DropbearServer dropbear;
    private static GuestSsh ssh;

    @BeforeAll
    static void startDropbear() throws IOException {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        SshKeys keys = SshKeys.loadOrCreate(dir.resolve("state"));
        dropbear = new DropbearServer(dir.resolve("dropbear"), keys.publicKeyLine());
        ssh = new GuestSsh(keys.keyPair(), HostKeyPins.ACCEPT_ANY);
        ssh.awaitReady(HOST, dropbear.port, TIMEOUT);
    }

    @AfterAll
    static void stopDropbear() {
        if (ssh != null) {
            ssh.close();
        }
        if (dropbear != null) {
            dropbear.close();
        }
    }

    @Test
    void aLargeStdinStreamsThroughTheCommandAndItsStdoutStreamsBack() throws Exception {
        byte[] data = new byte[12 * 1024 * 1024];
        new Random(7).nextBytes(data);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExecResult r = ssh.execStreaming(HOST, dropbear.port, List.of("sha256sum"), new ByteArrayInputStream(data),
                out, TIMEOUT, null);
        assertEquals(0, r.exitCode(), r.stderrText());
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        assertEquals(expected, out.toString(StandardCharsets.UTF_8).split(" ")[0]);
    }

    @Test
    void anInputThatFailsMidwayFailsTheCommandInsteadOfLookingLikeAnEnd() {
        InputStream failing = new InputStream() {
            private int left = 100_000;

            @Override
            public int read() throws IOException {
                if (left-- <= 0) {
                    throw new IOException("client went away");
                }
                return 'x';
            }
        };
        GuestSshException e = assertThrows(GuestSshException.class, () -> ssh.execStreaming(HOST, dropbear.port,
                List.of("cat"), failing, OutputStreamSink.INSTANCE, TIMEOUT, null));
        assertTrue(e.getMessage().contains("ended early"), e.getMessage());
    }

    @Test
    void openOutputIsReadAtTheReadersPaceToTheEnd() throws Exception {
        try (GuestOutput out = ssh.openOutput(HOST, dropbear.port, List.of("head", "-c", "5000000", "/dev/zero"),
                TIMEOUT, null)) {
            assertEquals(5_000_000, out.readAllBytes().length);
        }
    }

    @Test
    void aFailedCommandMakesTheEndOfItsOutputThrowWithItsStderr() {
        GuestOutput out = ssh.openOutput(HOST, dropbear.port,
                List.of("sh", "-c", "echo partial; echo no such file >&2; exit 4"), TIMEOUT, null);
        try (out) {
            IOException e = assertThrows(IOException.class, out::readAllBytes);
            assertTrue(e.getMessage().contains("exit 4") && e.getMessage().contains("no such file"), e.getMessage());
        }
    }

    @Test
    void abortEndsARunningCommandAtOnce() throws Exception {
        SshAbort abort = new SshAbort();
        CountDownLatch started = new CountDownLatch(1);
        java.io.OutputStream signal = new java.io.OutputStream() {
            @Override
            public void write(int b) {
                started.countDown();
            }

            @Override
            public void write(byte[] b, int off, int len) {
                started.countDown();
            }
        };
        CompletableFuture<ExecResult> running = CompletableFuture.supplyAsync(() -> ssh.execStreaming(HOST,
                dropbear.port, List.of("sh", "-c", "echo started; exec sleep 60"), new ByteArrayInputStream(new byte[0]),
                signal, TIMEOUT, abort));
        assertTrue(started.await(20, TimeUnit.SECONDS), "the command started");
        long start = System.nanoTime();
        abort.abort();
        Exception e = assertThrows(Exception.class, running::join);
        assertTrue(e.getCause() instanceof GuestSshException && e.getCause().getMessage().contains("aborted"),
                String.valueOf(e.getCause()));
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(5)) < 0);
    }

    @Test
    void stdoutBytesArriveUnchanged() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] input = {0, 1, 2, (byte) 0xff, '\n', '\r'};
        ssh.execStreaming(HOST, dropbear.port, List.of("cat"), new ByteArrayInputStream(input), out, TIMEOUT, null);
        assertArrayEquals(input, out.toByteArray());
    }

    /** Discards what it is given. */
    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }
}
