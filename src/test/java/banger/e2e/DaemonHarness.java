package banger.e2e;

import banger.host.CommandResult;
import banger.host.HostCommands;
import banger.host.ProcessHostCommands;
import banger.network.NetnsHostCommands;
import banger.testsupport.TestImages;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Runs the real banger daemon (`BangerCli daemon`, the test classpath, a child JVM) inside a network
 * namespace of its own, and talks to it over HTTP from this JVM.
 *
 * <p>Layout: namespace {@code bge2e-XXXXXX} gets loopback and one end of a veth pair; the other end stays in
 * the host namespace. The pair carries a /30 of 192.168.250.0/24 that nothing else on the host uses (host end
 * .1, namespace end .2), and the daemon listens on the namespace end, port 7070 (the namespace has its own
 * port space, so no port can clash). This JVM's HttpClient reaches it directly: no curl, no proxy. The
 * daemon makes its bridge (banger0), TAPs, nft table and DNS server inside the namespace, so deleting the
 * namespace takes all of them with it. The namespace has no default route: guests reach nothing outside it
 * unless a test adds an {@link OutsideHost}.
 *
 * <p>State lives in a fresh {@code /tmp/banger-e2e-XXXXXX/state}; Debian packages for the tiny image are
 * hard-linked in from {@link TestImages}' cache, so POST /v1/images/bootstrap builds offline in seconds.
 * Daemon output (banger at INFO) and, at close, a copy of its SQLite store go to {@code target/e2e-logs/}.
 *
 * <p>{@link #close()} always: stops the daemon (SIGTERM, then SIGKILL), SIGKILLs every process whose command
 * line names the state dir (every VMM the daemon started does, through its disk and QMP socket paths),
 * deletes the namespace (and with it the veth pair) and the state dir. A JVM shutdown hook does the same if
 * the test JVM is stopped first.
 */
final class DaemonHarness implements AutoCloseable {

    static final int API_PORT = 7070;
    static final Duration BOOT = Duration.ofMinutes(3);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration HEALTH_WAIT = Duration.ofMinutes(4);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path LOG_DIR = Path.of("target", "e2e-logs").toAbsolutePath();

    private final HostCommands host = new ProcessHostCommands();
    private final String label;
    private final String suffix;
    private final String namespace;
    private final String hostVeth;
    private final String apiAddress;
    private final Path workDir;
    private final Path stateDir;
    private final Path configFile;
    private final Path logbackFile;
    private final Path logFile;
    private final HostCommands inNamespace;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final Thread shutdownHook = new Thread(this::cleanUp, "banger-e2e-cleanup");
    private final List<String> jvmOptions = new ArrayList<>();
    private Process daemon;
    private String token;
    private boolean closed;

    private DaemonHarness(String label, String extraConfig) {
        this.label = label;
        this.suffix = String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
        this.namespace = "bge2e-" + suffix;
        this.hostVeth = "bgeh" + suffix;
        try {
            this.workDir = Files.createTempDirectory("banger-e2e-");
            this.stateDir = workDir.resolve("state");
            this.configFile = workDir.resolve("daemon.conf");
            this.logbackFile = workDir.resolve("logback.xml");
            Files.createDirectories(LOG_DIR);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.logFile = LOG_DIR.resolve(label + "-" + namespace + ".log");
        this.inNamespace = new NetnsHostCommands(host, namespace);
        int subnet = freeSubnet();
        this.apiAddress = "192.168.250." + (subnet + 2);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        try {
            host.check(List.of("ip", "netns", "add", namespace), COMMAND_TIMEOUT);
            inNamespace.check(List.of("ip", "link", "set", "lo", "up"), COMMAND_TIMEOUT);
            String nsVeth = "bgen" + suffix;
            host.check(List.of("ip", "link", "add", hostVeth, "type", "veth", "peer", "name", nsVeth,
                    "netns", namespace), COMMAND_TIMEOUT);
            host.check(List.of("ip", "addr", "add", "192.168.250." + (subnet + 1) + "/30", "dev", hostVeth),
                    COMMAND_TIMEOUT);
            host.check(List.of("ip", "link", "set", hostVeth, "up"), COMMAND_TIMEOUT);
            inNamespace.check(List.of("ip", "addr", "add", apiAddress + "/30", "dev", nsVeth), COMMAND_TIMEOUT);
            inNamespace.check(List.of("ip", "link", "set", nsVeth, "up"), COMMAND_TIMEOUT);
            // the daemon's shared cache is its own unless the test names one: never the host's /var/cache/banger
            String cacheConfig = "banger.images.cache-dir = \"" + stateDir.resolve("cache") + "\"\n";
            seedPackageCache(Path.of(com.typesafe.config.ConfigFactory.parseString(cacheConfig + extraConfig)
                    .getString("banger.images.cache-dir")).resolve("debian"));
            Files.writeString(configFile, cacheConfig + """
                    # e2e: a running VM notices its VMM's death within a second
                    banger.timeouts.liveness-interval = 1s
                    banger.timeouts.shutdown-grace = 20s
                    banger.network.tap-pool-size = 2
                    # the API listens on the namespace's veth address, which the test reaches from outside
                    banger.api.allow-non-loopback = true
                    """ + extraConfig);
            Files.writeString(logbackFile, """
                    <configuration>
                      <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                        <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n</pattern></encoder>
                      </appender>
                      <logger name="banger" level="INFO"/>
                      <root level="WARN"><appender-ref ref="OUT"/></root>
                    </configuration>
                    """);
        } catch (RuntimeException | IOException e) {
            close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    /** A fresh namespace, state dir and running daemon; {@code label} names the log file. */
    static DaemonHarness start(String label) {
        return start(label, "");
    }

    /** As {@link #start(String)}, with {@code extraConfig} (HOCON lines) appended to the daemon's config file. */
    static DaemonHarness start(String label, String extraConfig) {
        DaemonHarness harness = new DaemonHarness(label, extraConfig);
        try {
            harness.startDaemon();
        } catch (RuntimeException e) {
            harness.close();
            throw e;
        }
        return harness;
    }

    /** As {@link #start(String, String)}, the daemon JVM started with {@code jvmOption} (a -D property, say). */
    static DaemonHarness startWith(String label, String extraConfig, String jvmOption) {
        DaemonHarness harness = new DaemonHarness(label, extraConfig);
        harness.addJvmOption(jvmOption);
        try {
            harness.startDaemon();
        } catch (RuntimeException e) {
            harness.close();
            throw e;
        }
        return harness;
    }

    String namespace() {
        return namespace;
    }

    /** The daemon's address on the veth pair, which this JVM reaches (the API listens there). */
    String apiAddress() {
        return apiAddress;
    }

    Path stateDir() {
        return stateDir;
    }

    Path vmDir(String vmId) {
        return stateDir.resolve("vms").resolve(vmId);
    }

    /** Runs a program inside the daemon's namespace. */
    CommandResult inNetns(List<String> argv) {
        return inNamespace.run(argv, COMMAND_TIMEOUT);
    }

    HostCommands namespaceCommands() {
        return inNamespace;
    }

    // ---- the daemon process

    /** Starts the daemon on this state dir and waits until /healthz answers. */
    void startDaemon() {
        if (daemon != null && daemon.isAlive()) {
            throw new IllegalStateException("the daemon is already running");
        }
        Path javaBinary = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", namespace, javaBinary.toString(),
                "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dlogback.configurationFile=" + logbackFile));
        argv.addAll(jvmOptions);
        argv.addAll(List.of("-cp", System.getProperty("java.class.path"),
                "banger.launcher.Main", "daemon",
                "--state-dir", stateDir.toString(),
                "--listen", apiAddress + ":" + API_PORT,
                "--config", configFile.toString()));
        try {
            Files.writeString(logFile, "---- " + Instant.now() + " starting daemon\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            daemon = new ProcessBuilder(argv)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the daemon", e);
        }
        Instant deadline = Instant.now().plus(HEALTH_WAIT);
        while (true) {
            if (!daemon.isAlive()) {
                throw new IllegalStateException("the daemon exited with " + daemon.exitValue() + ":\n" + logTail());
            }
            if (healthy()) {
                break;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("the daemon did not answer /healthz within " + HEALTH_WAIT
                        + ":\n" + logTail());
            }
            HostProcesses.sleep(200);
        }
        if (!Files.exists(stateDir.resolve("banger.db"))) {
            throw new IllegalStateException("the daemon keeps its SQLite store outside its state dir " + stateDir);
        }
        try {
            token = Files.readString(stateDir.resolve("api.token")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("the daemon left no api.token", e);
        }
    }

    /** Adds a JVM option (a -D system property, say) to every later {@link #startDaemon()}. */
    void addJvmOption(String option) {
        jvmOptions.add(option);
    }

    /** The daemon's PID (`ip netns exec` execs in place, so this is the daemon JVM itself). */
    long daemonPid() {
        return daemon.pid();
    }

    boolean daemonAlive() {
        return daemon != null && daemon.isAlive();
    }

    /** SIGKILL: the daemon gets no chance to clean up, as in a crash. */
    void killDaemon() {
        daemon.destroyForcibly();
        waitForExit(Duration.ofSeconds(20));
    }

    /** SIGTERM (a coordinated shutdown), then SIGKILL if it takes too long. */
    void stopDaemon() {
        if (daemon == null || !daemon.isAlive()) {
            return;
        }
        daemon.destroy();
        if (!waitForExit(Duration.ofSeconds(30))) {
            daemon.destroyForcibly();
            waitForExit(Duration.ofSeconds(10));
        }
    }

    private boolean waitForExit(Duration wait) {
        try {
            return daemon.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private boolean healthy() {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/healthz"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The daemon's log lines (its output) that contain {@code needle}. */
    List<String> logLines(String needle) {
        try {
            return Files.readAllLines(logFile).stream().filter(line -> line.contains(needle)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    // ---- HTTP

    ApiResponse get(String path) {
        return send("GET", path, null, true);
    }

    ApiResponse post(String path, Object body) {
        return send("POST", path, body == null ? null : toJson(body), true);
    }

    ApiResponse delete(String path) {
        return send("DELETE", path, null, true);
    }

    /** POST with extra request headers (Idempotency-Key, say). */
    ApiResponse post(String path, Object body, Map<String, String> headers) {
        return send("POST", path, body == null ? null : toJson(body), true, headers);
    }

    /** Any request: {@code body} is sent as-is (application/json) when not null; {@code auth} adds the token. */
    ApiResponse send(String method, String path, String body, boolean auth) {
        return send(method, path, body, auth, Map.of());
    }

    ApiResponse send(String method, String path, String body, boolean auth, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(BOOT.plusMinutes(1));
        if (auth) {
            request.header("Authorization", "Bearer " + token);
        }
        headers.forEach(request::header);
        if (body != null) {
            request.header("Content-Type", "application/json");
            request.method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            String contentType = response.headers().firstValue("Content-Type").orElse("");
            JsonNode json = null;
            if (contentType.startsWith("application/json")) {
                json = JSON.readTree(response.body());
            }
            return new ApiResponse(response.statusCode(), contentType, response.body(), json);
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed; daemon log:\n" + logTail(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The request succeeded with {@code status}, or the test fails showing the answer. */
    ApiResponse expect(int status, ApiResponse response) {
        if (response.status() != status) {
            throw new AssertionError("expected HTTP " + status + ", got " + response + "\ndaemon log:\n" + logTail());
        }
        return response;
    }

    // ---- typed helpers over the API

    /** POST /v1/images/bootstrap?wait=true {"preset":"tiny","name":"tiny"}. */
    void bootstrapTinyImage() {
        expect(201, post("/v1/images/bootstrap?wait=true", Map.of("preset", "tiny", "name", "tiny")));
    }

    /** POST /v1/vms?wait=true: answers 201 with the VM once it is created (and, with start, running). */
    E2eVm createVm(String name, boolean start) {
        return E2eVm.of(expect(201, post("/v1/vms?wait=true", Map.of("name", name, "image", "tiny", "start", start))).json());
    }

    E2eVm vm(String ref) {
        return E2eVm.of(expect(200, get("/v1/vms/" + ref)).json());
    }

    E2eVm action(String ref, String action) {
        return E2eVm.of(expect(200, post("/v1/vms/" + ref + "/" + action + "?wait=true", null)).json());
    }

    E2eVm deleteVm(String ref) {
        return E2eVm.of(expect(200, delete("/v1/vms/" + ref + "?wait=true")).json());
    }

    List<E2eVm> listVms() {
        List<E2eVm> vms = new ArrayList<>();
        expect(200, get("/v1/vms")).json().path("vms").forEach(vm -> vms.add(E2eVm.of(vm)));
        return vms;
    }

    String console(String ref) {
        return expect(200, get("/v1/vms/" + ref + "/console")).text();
    }

    /** The VM's history as "type" strings, checking that seq increases strictly. */
    /** The VM's latest event of {@code type} in its history; fails when it has none. */
    JsonNode lastEvent(String ref, String type) {
        JsonNode last = null;
        for (JsonNode event : expect(200, get("/v1/vms/" + ref + "/history")).json().path("events")) {
            if (type.equals(event.path("type").asText())) {
                last = event;
            }
        }
        if (last == null) {
            throw new AssertionError("no " + type + " in the history of " + ref);
        }
        return last;
    }

    List<String> historyTypes(String ref) {
        List<String> types = new ArrayList<>();
        long lastSeq = Long.MIN_VALUE;
        for (JsonNode event : expect(200, get("/v1/vms/" + ref + "/history")).json().path("events")) {
            long seq = event.path("seq").asLong();
            if (seq <= lastSeq) {
                throw new AssertionError("history seq does not increase: " + lastSeq + " then " + seq);
            }
            lastSeq = seq;
            types.add(event.path("type").asText());
        }
        return types;
    }

    /** POST /v1/vms/{ref}/exec with argv; the answer's JSON {"stdout","stderr","exit_code"}. */
    JsonNode exec(String ref, String... argv) {
        return expect(200, post("/v1/vms/" + ref + "/exec", Map.of("argv", List.of(argv), "timeout_s", 30))).json();
    }

    /** The TAP a running VM's handles.json names, or null when the file or the field is absent. */
    String tapOf(String vmId) {
        Path handles = vmDir(vmId).resolve("handles.json");
        if (!Files.exists(handles)) {
            return null;
        }
        try {
            JsonNode tap = JSON.readTree(handles.toFile()).path("tap");
            return tap.isTextual() ? tap.asText() : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits until {@code condition} holds, polling; a check that throws counts as "not yet" (the daemon may
     * still be recovering). Fails naming {@code what}, and the last exception, after {@code timeout}.
     */
    static void await(String what, Duration timeout, Supplier<Boolean> condition) {
        Instant deadline = Instant.now().plus(timeout);
        Throwable last = null;
        while (true) {
            try {
                if (condition.get()) {
                    return;
                }
            } catch (RuntimeException | AssertionError e) {
                last = e;
            }
            if (Instant.now().isAfter(deadline)) {
                AssertionError timedOut = new AssertionError("timed out after " + timeout + " waiting for: " + what);
                if (last != null) {
                    timedOut.initCause(last);
                }
                throw timedOut;
            }
            HostProcesses.sleep(200);
        }
    }

    /** The API's base address and bearer token, for tests that stream bodies themselves. */
    URI baseUri() {
        return uri("");
    }

    /** The API token, for clients other than this harness's (WebSocket, raw bodies, the CLI). */
    String token() {
        return token;
    }

    URI uri(String path) {
        return URI.create("http://" + apiAddress + ":" + API_PORT + path);
    }

    private static String toJson(Object body) {
        try {
            return JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- set-up and clean-up

    /** A /30 of 192.168.250.0/24 (its base's last octet) that no interface on the host uses yet. */
    private int freeSubnet() {
        String addresses = host.check(List.of("ip", "-o", "-4", "addr", "show"), COMMAND_TIMEOUT).stdout()
                + host.check(List.of("ip", "-4", "route", "show", "table", "all"), COMMAND_TIMEOUT).stdout();
        for (int attempt = 0; attempt < 64; attempt++) {
            int base = 4 * ThreadLocalRandom.current().nextInt(64);
            boolean taken = false;
            for (int i = 0; i < 4; i++) {
                if (addresses.contains("192.168.250." + (base + i) + " ")
                        || addresses.contains("192.168.250." + (base + i) + "/")) {
                    taken = true;
                }
            }
            if (!taken) {
                return base;
            }
        }
        throw new IllegalStateException("no free /30 left in 192.168.250.0/24");
    }

    /** Hard-links (or copies) the tiny image's .deb files from the test image cache into the daemon's. */
    private void seedPackageCache(Path debianCache) throws IOException {
        Path shared = TestImages.ROOT.resolve(".cache");
        if (!hasDebs(shared)) {
            // builds the shared test image once, which downloads the packages (from the host namespace)
            TestImages.tiny();
        }
        Path cache = Files.createDirectories(debianCache);
        try (Stream<Path> debs = Files.list(shared)) {
            for (Path deb : debs.filter(p -> p.toString().endsWith(".deb")).toList()) {
                Path target = cache.resolve(deb.getFileName());
                try {
                    Files.createLink(target, deb);
                } catch (IOException | UnsupportedOperationException e) {
                    Files.copy(deb, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static boolean hasDebs(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".deb")).count() >= 3;
        }
    }

    @Override
    public void close() {
        cleanUp();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or ran: nothing to remove
        }
    }

    private synchronized void cleanUp() {
        if (closed) {
            return;
        }
        closed = true;
        List<RuntimeException> failures = new ArrayList<>();
        attempt(failures, this::stopDaemon);
        attempt(failures, () -> HostProcesses.killAll(stateDir.toString(), Duration.ofSeconds(10)));
        attempt(failures, () -> host.run(List.of("ip", "netns", "delete", namespace), COMMAND_TIMEOUT));
        attempt(failures, () -> {
            // the host end goes with its peer; this only matters if the namespace never got it
            if (host.run(List.of("ip", "link", "show", "dev", hostVeth), COMMAND_TIMEOUT).ok()) {
                host.run(List.of("ip", "link", "del", "dev", hostVeth), COMMAND_TIMEOUT);
            }
        });
        attempt(failures, this::keepDatabase);
        attempt(failures, () -> deleteTree(workDir));
        if (!failures.isEmpty()) {
            RuntimeException first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }

    /** Keeps the daemon's SQLite store beside its log: the journal explains most failures. */
    private void keepDatabase() {
        try (Stream<Path> files = Files.exists(stateDir) ? Files.list(stateDir) : Stream.empty()) {
            for (Path db : files.filter(p -> p.getFileName().toString().startsWith("banger.db")).toList()) {
                Files.copy(db, LOG_DIR.resolve(label + "-" + namespace + "-" + db.getFileName()),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void attempt(List<RuntimeException> failures, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            failures.add(e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }

    @Override
    public String toString() {
        return label + " (netns " + namespace + ", state " + stateDir + ")";
    }
}
