package banger.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What must hold once a restarted daemon has recovered, checked against the host itself (/proc, the namespace's
 * links, the state dir), never against the daemon's word alone. Each failed check is a {@link Finding}: a
 * violation (the daemon's view is wrong or inconsistent) or a leak (a host resource no VM owns).
 */
final class ChaosInvariants {

    enum Kind { VIOLATION, LEAK }

    /** One failed check: which invariant, and the evidence. */
    record Finding(Kind kind, String invariant, String detail) {
        @Override
        public String toString() {
            return kind + " " + invariant + ": " + detail;
        }
    }

    /** A VM as GET /v1/vms lists it. */
    record ListedVm(String id, String name, String state, String reason, String address, Long pid) {
        static ListedVm of(JsonNode vm) {
            return new ListedVm(vm.path("id").asText(), vm.path("name").asText(), vm.path("state").asText(),
                    vm.path("state_reason").isTextual() ? vm.path("state_reason").asText() : null,
                    vm.path("address").isTextual() ? vm.path("address").asText() : null,
                    vm.path("pid").isNumber() ? vm.path("pid").asLong() : null);
        }
    }

    /** Phases a VM passes through; every other state is where a recovered, idle daemon leaves it. */
    static final Set<String> TRANSITIONAL = Set.of("starting", "stopping", "deleting", "suspending");
    static final Set<String> TERMINAL_OPERATION = Set.of("succeeded", "failed", "cancelled");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long RECONCILE_WAIT_S = 40;
    private static final Duration RECONCILE_WAIT = Duration.ofSeconds(RECONCILE_WAIT_S);
    private static final int RESUME_OFFSETS = 3;

    private final DaemonHarness daemon;
    private final int tapPoolSize;
    private final Random random;
    private final EventLog events;

    ChaosInvariants(DaemonHarness daemon, int tapPoolSize, Random random) {
        this.daemon = daemon;
        this.tapPoolSize = tapPoolSize;
        this.random = random;
        this.events = new EventLog(daemon);
    }

    List<ListedVm> listVms() {
        List<ListedVm> vms = new ArrayList<>();
        daemon.expect(200, daemon.get("/v1/vms")).json().path("vms").forEach(vm -> vms.add(ListedVm.of(vm)));
        return vms;
    }

    List<JsonNode> operations() {
        List<JsonNode> ops = new ArrayList<>();
        daemon.expect(200, daemon.get("/v1/operations")).json().path("operations").forEach(ops::add);
        return ops;
    }

    /**
     * Waits until no VM is mid-transition and every operation is terminal; a finding if that takes longer than
     * {@code timeout} (stuck VMs and operations named).
     */
    List<Finding> awaitSettled(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            if (!daemon.daemonAlive()) {
                return List.of(new Finding(Kind.VIOLATION, "recovers-to-rest", "the daemon exited while recovering:\n"
                        + daemon.logTail()));
            }
            try {
                List<String> busy = new ArrayList<>();
                listVms().stream().filter(vm -> TRANSITIONAL.contains(vm.state()))
                        .forEach(vm -> busy.add("VM " + vm.name() + " (" + vm.id() + ") " + vm.state()));
                operations().stream().filter(op -> !TERMINAL_OPERATION.contains(op.path("state").asText()))
                        .forEach(op -> busy.add("operation " + op.path("id").asText() + " ("
                                + op.path("vm").asText() + ") " + op.path("state").asText()));
                if (busy.isEmpty()) {
                    return List.of();
                }
                last = String.join(", ", busy);
            } catch (RuntimeException | AssertionError e) {
                last = e.getMessage();
            }
            HostProcesses.sleep(250);
        }
        return List.of(new Finding(Kind.VIOLATION, "recovers-to-rest",
                "not settled after " + timeout + ": " + last));
    }

    /** Every check, in order; {@code namesUsed} are the VM names the trial asked for (the name probe's input). */
    List<Finding> check(Collection<String> namesUsed) {
        List<Finding> findings = new ArrayList<>();
        List<ListedVm> vms = listVms();
        findings.addAll(statesAgreeWithHost(vms));
        findings.addAll(namesAndAddressesUnique(vms));
        findings.addAll(operationsTerminalAndTrue(vms));
        findings.addAll(leaks());
        findings.addAll(eventStreamResumesExactlyOnce());
        findings.addAll(unlistedNamesAreFree(namesUsed));
        return findings;
    }

    /**
     * running (or paused) ⇔ exactly one VMM carries the VM's marker and its pid is the recorded one; at rest ⇔ no
     * VMM; suspended ⇔ no VMM and its complete saved state on disk; no other VM keeps a saved state.
     */
    List<Finding> statesAgreeWithHost(List<ListedVm> vms) {
        List<Finding> findings = new ArrayList<>();
        Map<String, List<Long>> vmms = vmmsByMarker();
        for (ListedVm vm : vms) {
            List<Long> pids = vmms.getOrDefault("banger-" + vm.id(), List.of());
            String who = "VM " + vm.name() + " (" + vm.id() + ") " + vm.state()
                    + (vm.reason() == null ? "" : " [" + vm.reason() + "]");
            boolean saved = Files.exists(daemon.vmDir(vm.id()).resolve("saved-state.bin"))
                    && Files.exists(daemon.vmDir(vm.id()).resolve("saved-state.json"));
            boolean partial = Files.exists(daemon.vmDir(vm.id()).resolve("saved-state.bin.partial"));
            if ("suspended".equals(vm.state()) != saved || partial) {
                findings.add(new Finding(Kind.VIOLATION, "suspended-has-its-saved-state", who + (saved
                        ? " keeps a saved state" : " has no complete saved state") + (partial ? " (and a partial one)" : "")
                        + ": " + list(daemon.vmDir(vm.id()))));
            }
            if ("running".equals(vm.state()) || "paused".equals(vm.state())) {
                if (vm.pid() == null || !pids.equals(List.of(vm.pid()))) {
                    findings.add(new Finding(Kind.VIOLATION, "running-has-its-vmm",
                            who + " records pid " + vm.pid() + ", VMMs carrying its marker: " + pids));
                }
            } else if (!pids.isEmpty()) {
                findings.add(new Finding(Kind.VIOLATION, "at-rest-has-no-vmm", who + " yet VMMs " + pids + " run"));
            }
        }
        return findings;
    }

    List<Finding> namesAndAddressesUnique(List<ListedVm> vms) {
        List<Finding> findings = new ArrayList<>();
        Map<String, List<String>> byName = new HashMap<>();
        Map<String, List<String>> byAddress = new HashMap<>();
        for (ListedVm vm : vms) {
            byName.computeIfAbsent(vm.name(), n -> new ArrayList<>()).add(vm.id());
            if (vm.address() == null) {
                findings.add(new Finding(Kind.VIOLATION, "address-held", "VM " + vm.name() + " (" + vm.id()
                        + ") has no address"));
            } else {
                byAddress.computeIfAbsent(vm.address(), a -> new ArrayList<>()).add(vm.name());
            }
        }
        byName.forEach((name, ids) -> {
            if (ids.size() > 1) {
                findings.add(new Finding(Kind.VIOLATION, "name-unique", name + " held by " + ids));
            }
        });
        byAddress.forEach((address, names) -> {
            if (names.size() > 1) {
                findings.add(new Finding(Kind.VIOLATION, "address-unique", address + " held by " + names));
            }
        });
        return findings;
    }

    /** Every operation terminal, and a failed or cancelled create has left no VM behind. */
    List<Finding> operationsTerminalAndTrue(List<ListedVm> vms) {
        List<Finding> findings = new ArrayList<>();
        Set<String> listed = new HashSet<>();
        vms.forEach(vm -> listed.add(vm.id()));
        for (JsonNode op : operations()) {
            String state = op.path("state").asText();
            String vmId = op.path("vm_id").isTextual() ? op.path("vm_id").asText() : null;
            if (!TERMINAL_OPERATION.contains(state)) {
                findings.add(new Finding(Kind.VIOLATION, "operation-terminal", op.toString()));
            } else if (vmId != null && listed.contains(vmId)) {
                // a create that did not succeed left no VM; a delete that succeeded left none either (a delete
                // that failed or never began, e.g. killed while queued behind a stop, rightly leaves its VM)
                String kind = op.path("kind").asText();
                boolean untrue = "create_vm".equals(kind) ? !"succeeded".equals(state)
                        : "delete_vm".equals(kind) && "succeeded".equals(state);
                if (untrue) {
                    findings.add(new Finding(Kind.VIOLATION, "operation-outcome-true",
                            "operation " + kind + " " + state + " but its VM " + vmId + " exists: " + op));
                }
            }
        }
        return findings;
    }

    /**
     * VMM processes, VM directories (each holds its disk) and TAPs that no listed VM owns. The reconciler removes
     * orphans on its timer, so a leak is what is still there after {@value #RECONCILE_WAIT_S} s.
     */
    List<Finding> leaks() {
        Instant deadline = Instant.now().plus(RECONCILE_WAIT);
        List<Finding> found;
        do {
            found = leaksNow();
            if (found.isEmpty()) {
                return found;
            }
            HostProcesses.sleep(1000);
        } while (Instant.now().isBefore(deadline));
        return found;
    }

    private List<Finding> leaksNow() {
        List<Finding> findings = new ArrayList<>();
        List<ListedVm> vms = listVms();
        Set<String> owned = new HashSet<>();
        Set<String> tapsOfRunning = new HashSet<>();
        for (ListedVm vm : vms) {
            owned.add(vm.id());
            if ("running".equals(vm.state())) {
                String tap = daemon.tapOf(vm.id());
                if (tap != null) {
                    tapsOfRunning.add(tap);
                }
            }
        }
        vmmsByMarker().forEach((marker, pids) -> {
            if (!owned.contains(marker.substring("banger-".length()))) {
                findings.add(new Finding(Kind.LEAK, "vmm-owned", "VMM " + pids + " (" + marker + ") of no listed VM"));
            }
        });
        Path vmsDir = daemon.stateDir().resolve("vms");
        if (Files.isDirectory(vmsDir)) {
            try (Stream<Path> dirs = Files.list(vmsDir)) {
                dirs.map(d -> d.getFileName().toString()).filter(id -> !owned.contains(id)).sorted()
                        .forEach(id -> findings.add(new Finding(Kind.LEAK, "vm-dir-owned",
                                "directory (and disk) " + vmsDir.resolve(id) + " of no listed VM: " + list(vmsDir.resolve(id)))));
            } catch (IOException e) {
                findings.add(new Finding(Kind.VIOLATION, "vm-dir-owned", "cannot list " + vmsDir + ": " + e));
            }
        }
        Set<String> taps = taps();
        Set<String> unheld = new TreeSet<>(taps);
        unheld.removeAll(tapsOfRunning);
        if (unheld.size() > tapPoolSize) {
            findings.add(new Finding(Kind.LEAK, "tap-owned", unheld.size() + " TAPs no running VM holds " + unheld
                    + " (the idle pool keeps at most " + tapPoolSize + "); running VMs hold " + tapsOfRunning));
        }
        Set<String> missing = new TreeSet<>(tapsOfRunning);
        missing.removeAll(taps);
        if (!missing.isEmpty()) {
            findings.add(new Finding(Kind.VIOLATION, "running-has-its-tap", "TAPs of running VMs are gone: " + missing));
        }
        return findings;
    }

    /**
     * The stream from 0 read until quiet, then resumed from several earlier offsets (by `after` and by
     * Last-Event-ID): each resumption must be exactly the rest of the first read, and per VM the stream must
     * carry its history without gap or repeat.
     */
    List<Finding> eventStreamResumesExactlyOnce() {
        List<Finding> findings = new ArrayList<>();
        List<EventLog.Event> all = events.read(0, -1, Duration.ofSeconds(2), false);
        for (int i = 1; i < all.size(); i++) {
            if (all.get(i).offset() <= all.get(i - 1).offset()) {
                findings.add(new Finding(Kind.VIOLATION, "events-exactly-once", "offset " + all.get(i).offset()
                        + " after " + all.get(i - 1).offset()));
            }
        }
        if (all.isEmpty()) {
            return findings;
        }
        long last = all.get(all.size() - 1).offset();
        for (int r = 0; r < RESUME_OFFSETS; r++) {
            int from = random.nextInt(all.size());
            long after = all.get(from).offset();
            List<EventLog.Event> expected = all.subList(from + 1, all.size());
            List<EventLog.Event> resumed = after == last ? List.of()
                    : events.read(after, last, Duration.ofSeconds(30), r % 2 == 1);
            if (!resumed.equals(expected)) {
                findings.add(new Finding(Kind.VIOLATION, "events-exactly-once", "resumed after " + after + " ("
                        + (r % 2 == 1 ? "Last-Event-ID" : "?after") + "): " + resumed.size() + " events, expected "
                        + expected.size() + "; first difference " + firstDifference(expected, resumed)));
            }
        }
        Map<String, List<String>> streamed = new LinkedHashMap<>();
        all.stream().filter(e -> e.vmId() != null)
                .forEach(e -> streamed.computeIfAbsent(e.vmId(), k -> new ArrayList<>()).add(e.type()));
        for (ListedVm vm : listVms()) {
            List<String> history = new ArrayList<>();
            ApiResponse answer = daemon.get("/v1/vms/" + vm.id() + "/history");
            if (answer.status() != 200) {
                continue;
            }
            answer.json().path("events").forEach(e -> history.add(e.path("type").asText()));
            List<String> seen = streamed.getOrDefault(vm.id(), List.of());
            if (seen.size() > history.size() || !history.subList(0, seen.size()).equals(seen)) {
                findings.add(new Finding(Kind.VIOLATION, "events-exactly-once", "VM " + vm.name() + " streamed "
                        + seen + " but its history is " + history));
            }
        }
        return findings;
    }

    /** A name the trial used that no listed VM holds must be free: a create with it is not refused 409. */
    List<Finding> unlistedNamesAreFree(Collection<String> namesUsed) {
        List<Finding> findings = new ArrayList<>();
        Set<String> listed = new HashSet<>();
        listVms().forEach(vm -> listed.add(vm.name()));
        for (String name : new TreeSet<>(namesUsed)) {
            if (listed.contains(name)) {
                continue;
            }
            ApiResponse probe = daemon.post("/v1/vms?wait=true", Map.of("name", name, "image", "tiny", "start", false));
            if (probe.status() == 409) {
                findings.add(new Finding(Kind.VIOLATION, "name-held-by-a-vm", name
                        + " is in no listed VM yet a create with it answers 409: " + probe.text()));
            } else if (probe.status() == 201) {
                String id = probe.json().path("id").asText();
                daemon.delete("/v1/vms/" + id);
                DaemonHarness.await("probe VM " + name + " deleted", Duration.ofSeconds(60),
                        () -> daemon.get("/v1/vms/" + id).status() == 404);
            } else {
                findings.add(new Finding(Kind.VIOLATION, "name-held-by-a-vm", "probe create of " + name
                        + " answered " + probe));
            }
        }
        return findings;
    }

    /** This daemon's VMMs by the marker in their argv ({@code -name banger-<id>}). */
    Map<String, List<Long>> vmmsByMarker() {
        Map<String, List<Long>> vmms = new HashMap<>();
        String vmsDir = daemon.stateDir().resolve("vms") + "/";
        for (Long pid : HostProcesses.matching(vmsDir)) {
            if (pid == daemon.daemonPid() || !HostProcesses.alive(pid)) {
                continue;
            }
            List<String> argv = argv(pid);
            int name = argv.indexOf("-name");
            String marker = name >= 0 && name + 1 < argv.size() ? argv.get(name + 1) : "pid-" + pid + "-without-marker";
            vmms.computeIfAbsent(marker, m -> new ArrayList<>()).add(pid);
        }
        return vmms;
    }

    /** The TAPs (bgt*) in the daemon's namespace. */
    Set<String> taps() {
        Set<String> taps = new TreeSet<>();
        for (String line : daemon.inNetns(List.of("ip", "-o", "link", "show")).stdout().split("\n")) {
            String[] fields = line.split(":\\s+");
            if (fields.length > 1) {
                String name = fields[1].split("@")[0].strip();
                if (name.startsWith("bgt")) {
                    taps.add(name);
                }
            }
        }
        return taps;
    }

    private static List<String> argv(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return Arrays.asList(new String(raw, StandardCharsets.UTF_8).split("\0"));
        } catch (IOException gone) {
            return List.of();
        }
    }

    private static String list(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList().toString();
        } catch (IOException e) {
            return "(" + e.getMessage() + ")";
        }
    }

    private static String firstDifference(List<EventLog.Event> expected, List<EventLog.Event> actual) {
        for (int i = 0; i < Math.max(expected.size(), actual.size()); i++) {
            EventLog.Event e = i < expected.size() ? expected.get(i) : null;
            EventLog.Event a = i < actual.size() ? actual.get(i) : null;
            if (e == null || !e.equals(a)) {
                return "at " + i + ": expected " + e + ", got " + a;
            }
        }
        return "none";
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            return String.valueOf(value);
        }
    }
}
