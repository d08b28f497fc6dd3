package banger.bench;

import banger.testsupport.InstantVmRuntime;
import banger.testsupport.LocalDaemon;
import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The control-plane benchmark (not a test; run it with bench/run): the real ApiServer, VmFleet and SQLite journal
 * in this JVM, over HTTP, with a stand-in runtime whose VMs "boot" at once, so it measures banger's own
 * overhead. Every part gets a fresh daemon in a fresh state directory. Prints a Markdown table.
 */
public final class ControlPlaneBench {

    private static final List<String> CYCLE = List.of("create", "stop", "start", "restart", "kill", "delete");
    /** 1,000 SSE clients need more than pekko-http's 1,024 connections and a deeper accept backlog. */
    private static final String SERVER = """
            pekko.loglevel = WARNING
            pekko.http.server.max-connections = 4096
            pekko.http.server.backlog = 2048
            # a vanished SSE client is noticed at the next write; keep that short so closed streams end fast
            banger.api.sse-keep-alive = 1s
            """;

    private final Duration throughputTime = Duration.ofSeconds(Long.getLong("bench.throughput-seconds", 8));
    private final Duration latencyTime = Duration.ofSeconds(Long.getLong("bench.latency-seconds", 10));
    private final int idleVms = Integer.getInteger("bench.idle-vms", 10_000);
    private final int sseEvents = Integer.getInteger("bench.sse-events", 50);
    private final Map<String, String> results = new LinkedHashMap<>();

    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        ControlPlaneBench bench = new ControlPlaneBench();
        bench.run();
        bench.print(Duration.ofNanos(System.nanoTime() - t0));
        System.exit(0);
    }

    private void run() throws Exception {
        progress("warm-up");
        throughput(8, Duration.ofSeconds(3));
        for (int clients : new int[] {1, 8, 64}) {
            progress("creates+starts with " + clients + " clients");
            double rate = throughput(clients, throughputTime);
            results.put("creates+starts per second, " + clients + " client(s)", String.format("%.0f /s", rate));
        }
        for (int clients : new int[] {1, 8}) {
            progress("lifecycle latency with " + clients + " clients");
            latency(clients);
        }
        for (int subscribers : new int[] {100, 1000}) {
            progress("event-stream lag with " + subscribers + " subscribers");
            sseLag(subscribers);
        }
        progress("heap with " + idleVms + " idle VMs");
        heapPerIdleVm();
    }

    /** Creates (with start) per second over {@code time}, {@code clients} clients each creating VMs in a loop. */
    private double throughput(int clients, Duration time) throws Exception {
        try (Fixture f = new Fixture("")) {
            AtomicLong created = new AtomicLong();
            long deadline = System.nanoTime() + time.toNanos();
            long t0 = System.nanoTime();
            f.inParallel(clients, c -> {
                for (int i = 0; System.nanoTime() < deadline; i++) {
                    f.client.createVm("t" + c + "-" + i, true);
                    created.incrementAndGet();
                }
            });
            return created.get() / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /** p50 / p99 per lifecycle command, {@code clients} clients each cycling their own VMs through {@link #CYCLE}. */
    private void latency(int clients) throws Exception {
        Map<String, Latencies> byOperation = new LinkedHashMap<>();
        CYCLE.forEach(op -> byOperation.put(op, new Latencies()));
        try (Fixture f = new Fixture("")) {
            long deadline = System.nanoTime() + latencyTime.toNanos();
            f.inParallel(clients, c -> {
                for (int i = 0; System.nanoTime() < deadline; i++) {
                    String name = "l" + c + "-" + i;
                    for (String op : CYCLE) {
                        byOperation.get(op).add(f.client.timed(op.equals("create")
                                ? () -> f.client.createVm(name, true) : () -> f.client.lifecycle(op, name)));
                    }
                }
            });
        }
        byOperation.forEach((op, l) -> results.put(op + " latency p50 / p99, " + clients + " client(s)",
                String.format("%.2f / %.2f ms (n=%d)", l.percentileMillis(50), l.percentileMillis(99), l.count())));
    }

    /**
     * Opens {@code subscribers} SSE clients on /v1/events, creates {@link #sseEvents} VMs (one Created event each)
     * 100 ms apart, and takes the lag from each event's timestamp to its arrival at each subscriber.
     */
    private void sseLag(int subscribers) throws Exception {
        Latencies lags = new Latencies();
        try (Fixture f = new Fixture(SERVER)) {
            List<SseSubscriber> subs = new ArrayList<>();
            // in batches, so connection attempts never flood the accept backlog
            for (int i = 0; i < subscribers; i++) {
                SseSubscriber sub = new SseSubscriber(lags);
                subs.add(sub);
                f.sse.sendAsync(f.client.request("/v1/events").GET().build(),
                        HttpResponse.BodyHandlers.fromLineSubscriber(sub));
                if (i % 100 == 99) {
                    int connected = i + 1;
                    await("subscribers connected", Duration.ofSeconds(30), () -> f.subscribers() >= connected);
                }
            }
            await("all subscribers connected", Duration.ofSeconds(60), () -> f.subscribers() >= subscribers);
            for (int i = 0; i < sseEvents; i++) {
                f.client.createVm("e" + i, false);
                Thread.sleep(100);
            }
            boolean all = awaitQuietly(Duration.ofSeconds(60),
                    () -> subs.stream().allMatch(s -> s.received() >= sseEvents));
            long delivered = subs.stream().mapToLong(SseSubscriber::received).sum();
            subs.forEach(SseSubscriber::close);
            awaitQuietly(Duration.ofSeconds(15), () -> f.subscribers() == 0);
            results.put("event-stream lag p50 / p99, " + subscribers + " subscribers",
                    String.format("%.1f / %.1f ms (%d of %d deliveries%s)", lags.percentileMillis(50),
                            lags.percentileMillis(99), delivered, (long) subscribers * sseEvents,
                            all ? "" : ", INCOMPLETE"));
        }
    }

    /** Used heap after GC with {@link #idleVms} created-but-not-started VMs, less the heap of the empty daemon. */
    private void heapPerIdleVm() throws Exception {
        try (Fixture f = new Fixture("")) {
            long before = usedHeapAfterGc();
            AtomicLong next = new AtomicLong();
            long t0 = System.nanoTime();
            f.inParallel(16, c -> {
                for (long i = next.getAndIncrement(); i < idleVms; i = next.getAndIncrement()) {
                    f.client.createVm("idle-" + i, false);
                }
            });
            double seconds = (System.nanoTime() - t0) / 1e9;
            long after = usedHeapAfterGc();
            results.put("creates (start=false) per second, 16 clients, fleet growing to " + idleVms,
                    String.format("%.0f /s", idleVms / seconds));
            results.put("heap per idle VM at " + idleVms + " VMs", String.format("%.1f KiB (%.0f MiB in all)",
                    (after - before) / 1024.0 / idleVms, (after - before) / 1048576.0));
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(300);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private void print(Duration took) {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        System.out.println();
        System.out.printf("banger control-plane benchmark, %s%n",
                ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        System.out.printf("machine: %d cores, %.1f GiB RAM, load average %.2f at the end; JDK %s (%s); max heap %d MiB;"
                        + " took %ds%n%n", Runtime.getRuntime().availableProcessors(),
                os.getTotalMemorySize() / 1073741824.0, os.getSystemLoadAverage(), System.getProperty("java.version"),
                System.getProperty("java.vm.name"), Runtime.getRuntime().maxMemory() >> 20, took.toSeconds());
        int width = results.keySet().stream().mapToInt(String::length).max().orElse(10);
        System.out.printf("| %-" + width + "s | %s%n", "measure", "result |");
        System.out.printf("|%s|---|%n", "-".repeat(width + 2));
        results.forEach((k, v) -> System.out.printf("| %-" + width + "s | %s |%n", k, v));
    }

    private static void progress(String what) {
        System.out.println("bench: " + what + " ...");
    }

    private static void await(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
        if (!awaitQuietly(limit, condition)) {
            throw new IllegalStateException("timed out waiting for " + what);
        }
    }

    private static boolean awaitQuietly(Duration limit, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    interface ClientLoop {
        void run(int client) throws Exception;
    }

    /** A fresh daemon (actor system, state dir, HTTP API) and clients for one part of the benchmark. */
    private static final class Fixture implements AutoCloseable {

        final Path stateDir;
        final ActorSystem<Void> system;
        final LocalDaemon daemon;
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        final HttpClient sse = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
        final BenchClient client;

        Fixture(String overrides) throws Exception {
            stateDir = Files.createTempDirectory("banger-bench");
            system = ActorSystem.create(Behaviors.empty(), "bench",
                    LocalDaemon.config(stateDir, "pekko.loglevel = WARNING\n" + overrides));
            daemon = LocalDaemon.start(system, new InstantVmRuntime(name -> false));
            client = new BenchClient(http, daemon.base, daemon.token);
        }

        double subscribers() {
            return daemon.metrics.registry().get("banger.api.event.subscribers").gauge().value();
        }

        /** Runs {@code loop} on {@code clients} threads at once and waits for all; the first failure is thrown. */
        void inParallel(int clients, ClientLoop loop) throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                List<Future<?>> running = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    int client = c;
                    running.add(pool.submit(() -> {
                        loop.run(client);
                        return null;
                    }));
                }
                for (Future<?> f : running) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
        }

        @Override
        public void close() throws Exception {
            try {
                daemon.stop();
            } finally {
                system.terminate();
                system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
                deleteTree(stateDir);
            }
        }

        private static void deleteTree(Path dir) throws IOException {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
