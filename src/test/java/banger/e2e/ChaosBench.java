package banger.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * bench/chaos (-Dbench.chaos=true; skipped otherwise): the kill -9 harness over every action and every crash
 * point, {@code -Dbench.chaos.kills} (50) daemon kills on real tiny guests, shared among
 * {@code -Dbench.chaos.parallel} (1) daemons run side by side, each in its own namespace and state dir. Prints the trials, kills, violations
 * and leaks; it reports, it does not fail on them (the figures go to docs/RELIABILITY.md).
 */
class ChaosBench {

    /** Config for a chaos daemon: the reconciler runs often, so an orphan it would remove is gone within the check. */
    static final String CONFIG = """
            banger.reconciler.interval = 5s
            banger.reconciler.orphan-min-age = 20s
            """;
    static final int TAP_POOL_SIZE = 2;

    @Test
    void chaos() {
        assumeTrue(Boolean.getBoolean("bench.chaos"), "run with -Dbench.chaos=true (bench/chaos)");
        long seed = Long.getLong("banger.chaos.seed", System.nanoTime());
        ChaosRun.Settings settings = ChaosRun.Settings.everything(Integer.getInteger("bench.chaos.kills", 50),
                Duration.ofSeconds(Integer.getInteger("bench.chaos.min-life-s", 3)),
                Duration.ofSeconds(Integer.getInteger("bench.chaos.max-life-s", 25)),
                Integer.getInteger("bench.chaos.max-vms", 3), seed);
        int parallel = Integer.getInteger("bench.chaos.parallel", 1);
        List<CompletableFuture<ChaosRun.Report>> runs = new ArrayList<>();
        for (int i = 0; i < parallel; i++) {
            int kills = settings.kills() / parallel + (i < settings.kills() % parallel ? 1 : 0);
            ChaosRun.Settings mine = settings.withKills(kills, settings.seed() + i);
            String label = "chaos-bench-" + i;
            runs.add(CompletableFuture.supplyAsync(() -> run(label, mine), task -> {
                Thread thread = new Thread(task, label);
                thread.setDaemon(true);
                thread.start();
            }));
        }
        ChaosRun.Report report = runs.stream().map(CompletableFuture::join).reduce(ChaosRun.Report::plus)
                .orElseThrow();
        System.out.println((parallel > 1 ? parallel + " daemons side by side: " : "") + report.summary());
        report.violations().forEach(System.out::println);
        report.leaks().forEach(System.out::println);
    }

    /** A fresh daemon with the tiny image, the run, its report (printed as it goes). */
    static ChaosRun.Report run(String label, ChaosRun.Settings settings) {
        Path crashFile;
        try {
            crashFile = Files.createTempFile("banger-chaos-", ".crash-point");
            Files.delete(crashFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DaemonHarness daemon = DaemonHarness.startWith(label, CONFIG, ChaosRun.crashFileOption(crashFile));
        Path progress = Path.of("target", "e2e-logs", label + "-" + daemon.namespace() + "-progress.txt");
        try (PrintStream out = new PrintStream(new Tee(System.out,
                Files.newOutputStream(progress)), true, StandardCharsets.UTF_8)) {
            daemon.bootstrapTinyImage();
            ChaosRun.Report report = new ChaosRun(label, daemon, settings, TAP_POOL_SIZE, crashFile, out).run();
            out.println(report.summary());
            return report;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            daemon.close();
            try {
                Files.deleteIfExists(crashFile);
            } catch (IOException ignored) {
                // a temp file
            }
        }
    }

    /** Writes to the test's output (kept by surefire until the end) and to a file readable while the run goes on. */
    private static final class Tee extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;

        Tee(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) throws IOException {
            first.write(b);
            second.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            first.write(b, off, len);
            second.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            first.flush();
            second.flush();
        }

        @Override
        public void close() throws IOException {
            second.close();
        }
    }
}
