package banger.vmm.firecracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.host.ProcessHostCommands;
import banger.storage.VmDisk;
import banger.vmm.LaunchSpec;
import banger.vmm.VmmException;
import banger.vmm.VmmHandle;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** FirecrackerVmm driving {@link StandInFirecracker} through a wrapper script, as it would the real binary. */
class FirecrackerVmmTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final FirecrackerSpec SPEC = FirecrackerSpec.load();
    private static Path dir;
    private static Path vmlinux;
    private static int vmCounter;
    private final List<VmmHandle> launched = new ArrayList<>();

    @BeforeAll
    static void setUp() throws IOException {
        dir = Files.createTempDirectory("banger-fc");
        // any complete ELF file stands in for a vmlinux: the stand-in (like Firecracker) checks the magic
        vmlinux = Files.copy(Path.of("/bin/true"), dir.resolve("vmlinux"));
    }

    @AfterEach
    void killLeftovers() {
        FirecrackerVmm vmm = new FirecrackerVmm(new ProcessHostCommands(), Path.of("unused"));
        launched.forEach(vmm::kill);
    }

    @AfterAll
    static void tearDown() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static Path standInBinary(Path requests, boolean ignoreCtrlAltDel) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String script = "#!/bin/sh\nexec " + quote(java.toString()) + " -XX:TieredStopAtLevel=1 -Xshare:auto"
                + " -cp " + quote(System.getProperty("java.class.path"))
                + " -Dstandin.requests=" + quote(requests.toString())
                + " -Dstandin.ignoreCtrlAltDel=" + ignoreCtrlAltDel
                + " " + StandInFirecracker.class.getName() + " \"$@\"\n";
        Path bin = Files.createTempFile(dir, "firecracker", "");
        Files.writeString(bin, script);
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwx------"));
        return bin;
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static LaunchSpec newVm(Path kernel) throws IOException {
        String id = "vm" + (++vmCounter);
        Path vmDir = Files.createDirectories(dir.resolve(id));
        Path disk = Files.createFile(vmDir.resolve("root.img"));
        return new LaunchSpec(id, vmDir, kernel, Optional.empty(), new VmDisk(disk, VmDisk.RAW), 2, 128,
                "console=ttyS0 reboot=k panic=1", vmDir.resolve("console.log"), Optional.empty());
    }

    private VmmHandle launch(FirecrackerVmm vmm, LaunchSpec spec) {
        VmmHandle handle = vmm.launch(spec);
        launched.add(handle);
        return handle;
    }

    private static List<JsonNode> requests(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    @Test
    void launchedVmIsAliveAnswersItsApiAndIsAdoptedByARestartedDriver() throws IOException {
        Path requests = dir.resolve("requests-adopt.jsonl");
        FirecrackerVmm vmm = new FirecrackerVmm(new ProcessHostCommands(), standInBinary(requests, false));
        LaunchSpec spec = newVm(vmlinux);

        VmmHandle handle = launch(vmm, spec);

        assertEquals("firecracker", handle.vmm());
        assertEquals("banger-" + spec.vmId(), handle.cmdlineMarker());
        assertEquals(spec.vmDir().resolve("firecracker.sock").toString(), handle.controlSocket());
        assertTrue(vmm.alive(handle));
        assertEquals("banger-" + spec.vmId(), vmm.client(handle).describeInstance().get("id").asText());
        assertEquals(2, vmm.client(handle).machineConfig().get("vcpu_count").asInt());

        FirecrackerApiClient.Response reboot = vmm.client(handle).request("PUT", "/actions", "{\"action_type\":\"Reboot\"}");
        assertEquals(400, reboot.status(), "the stand-in checks action bodies against InstanceActionInfo");
        assertTrue(reboot.body().contains("is not one of"), reboot.body());

        FirecrackerVmm restarted = new FirecrackerVmm(new ProcessHostCommands(), Path.of("firecracker"));
        assertTrue(restarted.alive(handle), "a new driver instance recognises the running VMM from its handle");
        assertFalse(restarted.alive(new VmmHandle("firecracker", handle.pid(), handle.controlSocket(), "banger-other")),
                "the same PID with another VM's marker is not this VM");

        restarted.shutdown(handle, Duration.ofSeconds(10));
        assertFalse(restarted.alive(handle));
        // the stand-in is this JVM's child: give the JDK's reaper a moment to collect the zombie
        ProcessHandle.of(handle.pid()).ifPresent(h -> h.onExit().orTimeout(5, TimeUnit.SECONDS).join());
        assertFalse(ProcessHandle.of(handle.pid()).map(ProcessHandle::isAlive).orElse(false));
        assertTrue(Files.readString(spec.consoleLog()).contains("SendCtrlAltDel received"),
                "the VMM's stdout (the guest serial console) lands in the console log");
    }

    @Test
    void shutdownSendsCtrlAltDelThatValidatesAgainstTheSpec() throws IOException {
        Path requests = dir.resolve("requests-shutdown.jsonl");
        FirecrackerVmm vmm = new FirecrackerVmm(new ProcessHostCommands(), standInBinary(requests, false));
        VmmHandle handle = launch(vmm, newVm(vmlinux));

        long started = System.nanoTime();
        vmm.shutdown(handle, Duration.ofSeconds(10));

        assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(5)) < 0,
                "a VMM that honours SendCtrlAltDel is not waited on for the whole grace period");
        assertFalse(vmm.alive(handle));
        List<JsonNode> actions = requests(requests).stream()
                .filter(r -> r.get("method").asText().equals("PUT") && r.get("path").asText().equals("/actions")).toList();
        assertEquals(1, actions.size());
        JsonNode body = JSON.readTree(actions.get(0).get("body").asText());
        assertEquals(List.of(), SPEC.validate(body, "InstanceActionInfo"));
        assertEquals("SendCtrlAltDel", body.get("action_type").asText());
        assertTrue(actions.get(0).get("headers").toString().contains("Content-Length: " + actions.get(0).get("body").asText().length()));
    }

    @Test
    void shutdownKillsAVmmWhoseGuestIgnoresCtrlAltDelAfterTheGrace() throws IOException {
        Path requests = dir.resolve("requests-ignore.jsonl");
        FirecrackerVmm vmm = new FirecrackerVmm(new ProcessHostCommands(), standInBinary(requests, true));
        VmmHandle handle = launch(vmm, newVm(vmlinux));

        long started = System.nanoTime();
        vmm.shutdown(handle, Duration.ofMillis(800));

        assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofMillis(800)) >= 0);
        assertFalse(vmm.alive(handle));
        assertTrue(requests(requests).stream().anyMatch(r -> r.get("path").asText().equals("/actions")));
    }

    @Test
    void killStopsTheVmmAtOnceWithoutAskingTheGuest() throws IOException {
        Path requests = dir.resolve("requests-kill.jsonl");
        FirecrackerVmm vmm = new FirecrackerVmm(new ProcessHostCommands(), standInBinary(requests, false));
        VmmHandle handle = launch(vmm, newVm(vmlinux));

        vmm.kill(handle);

        assertFalse(vmm.alive(handle));
        assertTrue(requests(requests).stream().noneMatch(r -> r.get("path").asText().equals("/actions")));
    }

    @Test
    void launchFailsWithTheVmmsOwnErrorWhenItRejectsTheConfig() throws IOException {
        FirecrackerVmm vmm = new FirecrackerVmm(new ProcessHostCommands(), standInBinary(dir.resolve("requests-bad.jsonl"), false));
        LaunchSpec spec = newVm(vmlinux);
        Files.delete(spec.disk().path());

        VmmException e = assertThrows(VmmException.class, () -> launch(vmm, spec));

        assertTrue(e.getMessage().contains("exited during start-up") && e.getMessage().contains("root.img missing"), e.getMessage());
    }

    @Test
    void launchRefusesACompressedKernelBeforeStartingAnything() throws IOException {
        Path bzImage = Files.write(dir.resolve("bzImage"), "MZ\u0000\u0000not an ELF".getBytes(StandardCharsets.ISO_8859_1));
        FirecrackerVmm vmm = new FirecrackerVmm(new ProcessHostCommands(), Path.of("/nonexistent/firecracker"));
        LaunchSpec spec = newVm(bzImage);

        VmmException e = assertThrows(VmmException.class, () -> launch(vmm, spec));

        assertTrue(e.getMessage().contains("ELF vmlinux"), e.getMessage());
        assertFalse(Files.exists(spec.consoleLog()));
    }

    @Test
    void launchRefusesAQcow2Disk() throws IOException {
        FirecrackerVmm vmm = new FirecrackerVmm(new ProcessHostCommands(), Path.of("/nonexistent/firecracker"));
        LaunchSpec raw = newVm(vmlinux);
        LaunchSpec qcow2 = new LaunchSpec(raw.vmId(), raw.vmDir(), raw.kernel(), raw.initrd(),
                new VmDisk(raw.disk().path(), VmDisk.QCOW2), raw.vcpus(), raw.memoryMib(), raw.kernelCmdline(),
                raw.consoleLog(), raw.network());

        VmmException e = assertThrows(VmmException.class, () -> launch(vmm, qcow2));

        assertTrue(e.getMessage().contains("raw root disk"), e.getMessage());
    }
}
