package banger.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The kill -9 harness: against a real daemon ({@link DaemonHarness}) booting real guests, a few workers drive random
 * creates, starts, stops, restarts, deletes, cancels and execs while the daemon is SIGKILLed at a random moment, or
 * kills itself at an armed crash point ({@code banger.fault.CrashPoints}: between two steps of one operation). Each
 * kill is followed by a restart, a wait for recovery and the {@link ChaosInvariants}. One trial is one daemon life
 * ending in one kill.
 */
final class ChaosRun {

    enum Action { CREATE, START, STOP, RESTART, DELETE, CANCEL, EXEC, SUSPEND }

    /** Where the daemon can be made to kill itself (see banger.fault.CrashPoints). */
    static final List<String> ALL_CRASH_POINTS = List.of(
            "journal:OperationStarted", "journal:VmRegistered", "journal:Created", "journal:OperationRunning",
            "journal:StartRequested", "launch:prepare-disk", "launch:prepare-disk:done",
            "launch:configure-guest:done", "launch:attach-network:done", "launch:launch-vmm",
            "launch:launch-vmm:done", "launch:record-handles:done", "launch:await-readiness", "journal:Started",
            "journal:StartFailed", "journal:OperationSucceeded", "journal:StopRequested", "journal:Stopped",
            "journal:DeleteRequested", "journal:Deleted", "journal:VmRemoved", "journal:CreateCancelled",
            "journal:OperationCancelled", "journal:OperationFailed", "journal:SuspendRequested", "suspend:saved",
            "suspend:stopped", "journal:Suspended", "launch:check-saved-state:done", "launch:load-state",
            "launch:resume-guest");

    /**
     * @param kills            daemon kills to make (one per trial)
     * @param actions          what the workers may do while a crash point is armed
     * @param randomKillActions what they may do in a trial that ends in a SIGKILL at a random moment
     * @param crashPoints      points to arm (one per trial, chosen at random)
     * @param armed            the share of trials that arm a point (the others end at a random moment)
     * @param quiesce          a trial whose armed point was not reached stops its workers and waits for every VM
     *                         and operation to come to rest before its SIGKILL (else it kills mid-flight)
     * @param setupVms         before each trial's workers start, VMs are created (created, not started, waited
     *                         for, nothing armed) until this many exist; 0 for none
     * @param minTrial         shortest daemon life before the SIGKILL
     * @param maxTrial         longest
     * @param maxVms           creates are skipped while this many VMs exist
     * @param workers          concurrent request loops
     */
    record Settings(int kills, Set<Action> actions, Set<Action> randomKillActions, List<String> crashPoints,
                    double armed, boolean quiesce, int setupVms, Duration minTrial, Duration maxTrial, int maxVms,
                    int workers, long seed) {

        Settings withKills(int kills, long seed) {
            return new Settings(kills, actions, randomKillActions, crashPoints, armed, quiesce, setupVms, minTrial,
                    maxTrial, maxVms, workers, seed);
        }

        /** Everything at once: every action, every point, kills mid-flight (bench/chaos). */
        static Settings everything(int kills, Duration minTrial, Duration maxTrial, int maxVms, long seed) {
            return new Settings(kills, EnumSet.allOf(Action.class), EnumSet.allOf(Action.class), ALL_CRASH_POINTS,
                    2.0 / 3, false, 0, minTrial, maxTrial, maxVms, 2, seed);
        }
    }

    /** What a run found. */
    record Report(int trials, int kills, int crashPointKills, int randomKills, int actionsSent,
                  List<String> violations, List<String> leaks, Map<String, Integer> byInvariant, Duration elapsed) {

        /** Two runs side by side as one. */
        Report plus(Report other) {
            List<String> v = new ArrayList<>(violations);
            v.addAll(other.violations);
            List<String> l = new ArrayList<>(leaks);
            l.addAll(other.leaks);
            Map<String, Integer> by = new LinkedHashMap<>(byInvariant);
            other.byInvariant.forEach((k, n) -> by.merge(k, n, Integer::sum));
            return new Report(trials + other.trials, kills + other.kills, crashPointKills + other.crashPointKills,
                    randomKills + other.randomKills, actionsSent + other.actionsSent, v, l, by,
                    elapsed.compareTo(other.elapsed) > 0 ? elapsed : other.elapsed);
        }

        String summary() {
            return String.format("chaos: %d trials, %d daemon kills (%d at crash points, %d at random moments), "
                            + "%d requests, %d invariant violations, %d leaks, %d s%s", trials, kills,
                    crashPointKills, randomKills, actionsSent, violations.size(), leaks.size(), elapsed.toSeconds(),
                    byInvariant.isEmpty() ? "" : "; by invariant " + byInvariant);
        }
    }

    private static final Duration SETTLE = Duration.ofMinutes(3);

    private final String label;
    private final DaemonHarness daemon;
    private final Settings settings;
    private final PrintStream out;
    private final Random random;
    private final ChaosInvariants invariants;
    private final Path crashFile;
    private final AtomicInteger nameCounter = new AtomicInteger();
    private final AtomicInteger actionsSent = new AtomicInteger();

    ChaosRun(String label, DaemonHarness daemon, Settings settings, int tapPoolSize, Path crashFile,
             PrintStream out) {
        this.label = label;
        this.daemon = daemon;
        this.settings = settings;
        this.out = out;
        this.random = new Random(settings.seed());
        this.invariants = new ChaosInvariants(daemon, tapPoolSize, new Random(settings.seed() + 1));
        this.crashFile = crashFile;
    }

    /** The daemon options a chaos daemon needs: the crash-point file. */
    static String crashFileOption(Path crashFile) {
        return "-Dbanger.fault.crash-file=" + crashFile;
    }

    Report run() {
        Instant begin = Instant.now();
        List<String> violations = new ArrayList<>();
        List<String> leaks = new ArrayList<>();
        Map<String, Integer> byInvariant = new LinkedHashMap<>();
        // a violation that persists (a stray VMM, a failed operation) is found again after every later kill: count it once
        Set<String> known = new HashSet<>();
        int trials = 0;
        int atPoints = 0;
        int atRandom = 0;
        out.printf("chaos: seed %d, %d kills, actions %s (random kills: %s), crash points %s%n", settings.seed(),
                settings.kills(), settings.actions(), settings.randomKillActions(), settings.crashPoints());
        while (atPoints + atRandom < settings.kills()) {
            trials++;
            Trial trial = new Trial(trials);
            boolean byPoint = trial.live();
            if (byPoint) {
                atPoints++;
            } else {
                atRandom++;
            }
            trial.step("daemon killed " + (byPoint ? "at crash point " + trial.point : "by SIGKILL"));
            restart(trial);
            List<ChaosInvariants.Finding> findings = new ArrayList<>();
            if (trial.diedByItself) {
                findings.add(new ChaosInvariants.Finding(ChaosInvariants.Kind.VIOLATION, "daemon-stays-up",
                        "the daemon exited by itself; log lines: " + daemon.logLines(" ERROR ")));
            }
            findings.addAll(invariants.awaitSettled(SETTLE));
            findings.addAll(invariants.check(trial.names));
            for (ChaosInvariants.Finding f : findings) {
                if (!known.add(f.invariant() + " " + f.detail())) {
                    continue;
                }
                String line = label + " trial " + trial.number + " (" + (trial.point == null ? "random kill" : "armed "
                        + trial.point) + "): " + f + "\n    steps: " + String.join("\n           ", trial.steps);
                (f.kind() == ChaosInvariants.Kind.LEAK ? leaks : violations).add(line);
                byInvariant.merge(f.invariant(), 1, Integer::sum);
                out.println(line);
            }
            out.printf("%s: trial %d done (%s), %d findings (new ones printed above); "
                            + "totals: %d kills, %d violations, %d leaks%n",
                    label, trial.number, byPoint ? "point " + trial.point : "random kill after " + trial.lived + " ms",
                    findings.size(), atPoints + atRandom, violations.size(), leaks.size());
        }
        return new Report(trials, atPoints + atRandom, atPoints, atRandom, actionsSent.get(), violations, leaks,
                byInvariant, Duration.between(begin, Instant.now()));
    }

    /**
     * Starts the daemon again; one that is not healthy within the harness's wait (a host too loaded to start a JVM
     * in minutes) is killed and started once more, and the retry is printed, so a long run is not lost to one.
     */
    private void restart(Trial trial) {
        try {
            daemon.startDaemon();
        } catch (IllegalStateException slow) {
            out.println(label + " trial " + trial.number + ": restart failed, retrying once: "
                    + slow.getMessage().lines().findFirst().orElse(""));
            daemon.killDaemon();
            daemon.startDaemon();
        }
    }

    /** One daemon life: arm a point (or none), drive the workers, end in a kill. */
    private final class Trial {
        final int number;
        final String point;
        final List<String> steps = new CopyOnWriteArrayList<>();
        final Set<String> names = ConcurrentHashMap.newKeySet();
        final List<String> createOperations = new CopyOnWriteArrayList<>();
        final Instant began = Instant.now();
        long lived;
        boolean diedByItself;

        Trial(int number) {
            this.number = number;
            boolean arm = !settings.crashPoints().isEmpty() && random.nextDouble() < settings.armed();
            this.point = arm ? settings.crashPoints().get(random.nextInt(settings.crashPoints().size())) : null;
        }

        /** Runs the workers until the daemon dies at the point or the random lifetime ends; true if it died by itself. */
        boolean live() {
            setUp();
            String fired = "crash point " + point + " reached";
            int firedBefore = point == null ? 0 : daemon.logLines(fired).size();
            Set<Action> allowed = point == null ? settings.randomKillActions() : settings.actions();
            arm(point);
            long lifetime = settings.minTrial().toMillis() + (long) (random.nextDouble()
                    * (settings.maxTrial().toMillis() - settings.minTrial().toMillis()));
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < settings.workers(); w++) {
                Random mine = new Random(random.nextLong());
                Thread t = new Thread(() -> work(mine, stop, allowed), "chaos-worker-" + w);
                t.setDaemon(true);
                workers.add(t);
                t.start();
            }
            Instant end = Instant.now().plusMillis(lifetime);
            while (Instant.now().isBefore(end) && daemon.daemonAlive()) {
                HostProcesses.sleep(50);
            }
            if (point != null && settings.quiesce() && daemon.daemonAlive()) {
                stop.set(true);
                // the point may still be reached while the requests in flight finish
                join(workers);
                if (daemon.daemonAlive()) {
                    arm(null);
                    step("point not reached: workers stopped, waiting for rest before the kill");
                    invariants.awaitSettled(SETTLE);
                }
            }
            arm(null);
            boolean died = !daemon.daemonAlive();
            boolean byPoint = died && point != null && daemon.logLines(fired).size() > firedBefore;
            diedByItself = died && !byPoint;
            lived = Duration.between(began, Instant.now()).toMillis();
            daemon.killDaemon();
            stop.set(true);
            join(workers);
            return byPoint;
        }

        /** Creates VMs (not started, waited for, nothing armed) until {@code setupVms} exist. */
        private void setUp() {
            for (int missing = settings.setupVms() - invariants.listVms().size(); missing > 0; missing--) {
                String name = "c" + number + "-" + nameCounter.incrementAndGet();
                names.add(name);
                ApiResponse r = send("POST", "/v1/vms?wait=true", Map.of("name", name, "image", "tiny",
                        "start", false));
                step("set-up create " + name + " -> " + r.status() + " " + brief(r));
            }
        }

        private void join(List<Thread> workers) {
            for (Thread t : workers) {
                try {
                    t.join(SETTLE.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }

        void step(String what) {
            steps.add(String.format("+%.1fs %s", Duration.between(began, Instant.now()).toMillis() / 1000.0, what));
        }

        private void work(Random mine, AtomicBoolean stop, Set<Action> allowed) {
            List<Action> actions = new ArrayList<>(allowed);
            Collections.sort(actions);
            while (!stop.get() && daemon.daemonAlive()) {
                Action action = actions.get(mine.nextInt(actions.size()));
                try {
                    act(action, mine);
                } catch (RuntimeException | AssertionError e) {
                    if (!daemon.daemonAlive() || stop.get()) {
                        return;
                    }
                    step(action + " threw " + firstLine(e.getMessage()));
                }
                HostProcesses.sleep(mine.nextInt(800));
            }
        }

        private void act(Action action, Random mine) {
            switch (action) {
                case CREATE -> {
                    if (invariants.listVms().size() >= settings.maxVms()) {
                        return;
                    }
                    String name = "c" + number + "-" + nameCounter.incrementAndGet();
                    boolean start = mine.nextInt(4) > 0;
                    names.add(name);
                    ApiResponse r = send("POST", "/v1/vms", Map.of("name", name, "image", "tiny", "start", start));
                    if (r.status() == 202) {
                        createOperations.add(r.json().path("id").asText());
                    }
                    step("create " + name + " start=" + start + " -> " + r.status() + " " + brief(r));
                }
                case CANCEL -> {
                    if (createOperations.isEmpty()) {
                        return;
                    }
                    String op = createOperations.get(mine.nextInt(createOperations.size()));
                    ApiResponse r = send("DELETE", "/v1/operations/" + op, null);
                    step("cancel " + op + " -> " + r.status() + " " + brief(r));
                }
                case EXEC -> {
                    ChaosInvariants.ListedVm vm = pick(mine, "running");
                    if (vm != null) {
                        ApiResponse r = send("POST", "/v1/vms/" + vm.id() + "/exec",
                                Map.of("argv", List.of("true"), "timeout_s", 10));
                        step("exec " + vm.name() + " -> " + r.status());
                    }
                }
                default -> {
                    ChaosInvariants.ListedVm vm = pick(mine, null);
                    if (vm == null) {
                        return;
                    }
                    String what = action.name().toLowerCase();
                    step(what + " " + vm.name() + " (" + vm.state() + ")");
                    ApiResponse r = action == Action.DELETE ? send("DELETE", "/v1/vms/" + vm.id(), null)
                            : send("POST", "/v1/vms/" + vm.id() + "/" + what, null);
                    step(what + " " + vm.name() + " -> " + r.status() + " " + brief(r));
                }
            }
        }

        private ChaosInvariants.ListedVm pick(Random mine, String state) {
            List<ChaosInvariants.ListedVm> vms = invariants.listVms().stream()
                    .filter(vm -> state == null || state.equals(vm.state())).toList();
            return vms.isEmpty() ? null : vms.get(mine.nextInt(vms.size()));
        }

        private ApiResponse send(String method, String path, Object body) {
            actionsSent.incrementAndGet();
            return daemon.send(method, path, body == null ? null : ChaosInvariants.json(body), true);
        }
    }

    private void arm(String point) {
        try {
            if (point == null) {
                Files.deleteIfExists(crashFile);
            } else {
                Files.writeString(crashFile, point);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String brief(ApiResponse r) {
        JsonNode json = r.json();
        if (json.has("error")) {
            return json.path("error").path("code").asText() + ": " + firstLine(json.path("error").path("message").asText());
        }
        return json.has("state") ? json.path("state").asText() : "";
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }
}
