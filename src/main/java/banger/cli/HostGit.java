package banger.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the host's git in one repository: argv only, bounded by a timeout, output captured. */
final class HostGit {

    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private final Path dir;

    HostGit(Path dir) {
        this.dir = dir;
    }

    /** The top of the work tree {@code dir} is in; a CliError when it is in none. */
    static HostGit workTree(Path dir) {
        Result top = new HostGit(dir).run("rev-parse", "--show-toplevel");
        if (!top.ok() || top.out().isBlank()) {
            throw new CliError(dir + " is not in a git work tree (" + top.err().strip() + ")");
        }
        return new HostGit(Path.of(top.out().strip()));
    }

    Path dir() {
        return dir;
    }

    record Result(int exit, String out, String err, byte[] raw) {
        boolean ok() {
            return exit == 0;
        }
    }

    /** Runs git ARGS; the result, whatever the exit status. */
    Result run(String... args) {
        List<String> argv = new ArrayList<>(List.of("git", "-C", dir.toString()));
        argv.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            CompletableFuture<byte[]> out = drain(p.getInputStream());
            CompletableFuture<byte[]> err = drain(p.getErrorStream());
            if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new CliError("git " + String.join(" ", args) + " did not finish within " + TIMEOUT.toMinutes()
                        + " min");
            }
            byte[] raw = out.join();
            return new Result(p.exitValue(), new String(raw, StandardCharsets.UTF_8),
                    new String(err.join(), StandardCharsets.UTF_8), raw);
        } catch (IOException e) {
            throw new CliError("cannot run git (is it installed?): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliError("interrupted");
        }
    }

    /** Runs git ARGS and returns its stdout; a CliError naming what failed otherwise. */
    String check(String what, String... args) {
        Result r = run(args);
        if (!r.ok()) {
            throw new CliError(what + " failed: " + r.err().strip());
        }
        return r.out();
    }

    private static CompletableFuture<byte[]> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                in.transferTo(buffer);
                return buffer.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
