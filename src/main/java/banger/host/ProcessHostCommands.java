package banger.host;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** {@link HostCommands} over {@link ProcessBuilder}. */
public final class ProcessHostCommands implements HostCommands {

    /** Reads programs' output; blocking reads stay off the common pool that CompletableFutures share. */
    private static final ExecutorService DRAINERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "host-command-output");
        t.setDaemon(true);
        return t;
    });

    private static final Duration TEXT_BUSY_PATIENCE = Duration.ofSeconds(5);
    private static final Duration TEXT_BUSY_RETRY = Duration.ofMillis(50);

    @Override
    public CommandResult run(List<String> argv, Duration timeout, byte[] stdin) {
        ProcessBuilder pb = new ProcessBuilder(argv);
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        Process p = start(pb, argv);
        CompletableFuture<byte[]> out = drain(p.getInputStream());
        CompletableFuture<byte[]> err = drain(p.getErrorStream());
        try {
            if (stdin != null) {
                try (OutputStream in = p.getOutputStream()) {
                    in.write(stdin);
                } catch (IOException ignored) {
                    // the program closed its stdin early; its exit code tells the rest
                }
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new HostCommandException(String.join(" ", argv) + " timed out after " + timeout.toSeconds() + "s");
            }
            return new CommandResult(List.copyOf(argv), p.exitValue(),
                    new String(out.join(), StandardCharsets.UTF_8), new String(err.join(), StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new HostCommandException("interrupted while running " + argv.get(0), e);
        }
    }

    /**
     * Starts the program, retrying briefly while it is "Text file busy" (ETXTBSY): a program this daemon has just
     * written (busybox in an image build) stays busy while any process forked meanwhile by another thread still
     * holds the writer's descriptor until its own exec closes it (JDK-8068370).
     */
    private static Process start(ProcessBuilder pb, List<String> argv) {
        long deadline = System.nanoTime() + TEXT_BUSY_PATIENCE.toNanos();
        while (true) {
            try {
                return pb.start();
            } catch (IOException e) {
                boolean busy = String.valueOf(e.getMessage()).contains("error=26,");
                if (!busy || System.nanoTime() > deadline) {
                    throw new HostCommandException("cannot run " + argv.get(0) + ": " + e.getMessage(), e);
                }
            }
            try {
                Thread.sleep(TEXT_BUSY_RETRY.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HostCommandException("interrupted while starting " + argv.get(0), e);
            }
        }
    }

    private static CompletableFuture<byte[]> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in; ByteArrayOutputStream buf = new ByteArrayOutputStream()) {
                in.transferTo(buf);
                return buf.toByteArray();
            } catch (IOException e) {
                return new byte[0];
            }
        }, DRAINERS);
    }

    @Override
    public long startDetached(List<String> argv, Path output) {
        List<String> full = new ArrayList<>();
        full.add("setsid");
        full.addAll(argv);
        try {
            Files.createDirectories(output.toAbsolutePath().getParent());
            Process p = new ProcessBuilder(full)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                    .redirectErrorStream(true)
                    .start();
            // setsid execs in place when the caller is not a group leader, so this is the program's own PID
            return p.pid();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + argv.get(0), e);
        }
    }

    @Override
    public boolean available(String program) {
        if (program.contains("/")) {
            return Files.isExecutable(Path.of(program));
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
