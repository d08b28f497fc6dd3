package banger.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.host.HostCommands;
import banger.image.ConfigChannel;
import banger.image.Image;
import banger.storage.DiskClonerChoice;
import banger.storage.Qcow2OverlayCloner;
import banger.storage.SparseCopyCloner;
import banger.vmm.VmmCapabilities;
import banger.wire.VmView;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class LaunchStepsTest {

    static final ActorTestKit testKit = ActorTestKit.create(PersistenceTestKitPlugin.getInstance().config()
            .withFallback(PersistenceTestKitSnapshotPlugin.config())
            .withFallback(ConfigFactory.parseString("pekko.loglevel = WARNING\n"
                    + "pekko.actor.testkit.typed.single-expect-default = 20s"))
            .withFallback(ConfigFactory.load()));

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static final VmSpec SPEC = new VmSpec("abc", "stepper", "tiny", 1, 256, 512, null, Map.of());
    private static final Image TINY = new Image("tiny", "tiny", "/k/bzImage", "/k/initrd", "/k/vmlinux", "/r", 1,
            Instant.now(), Set.of(ConfigChannel.KERNEL_CMDLINE, ConfigChannel.DISK));
    private static final Image DEBIAN = new Image("debian", "debian", "/k/bzImage", "/k/initrd", null, "/r", 1,
            Instant.now(), Set.of(ConfigChannel.DISK));

    private final List<String> done = new CopyOnWriteArrayList<>();

    private LaunchStep step(String name) {
        return LaunchStep.blocking(name, Runnable::run, l -> {
            done.add(name);
            l.onFailure(() -> done.add("undo " + name));
        });
    }

    /** Runs the steps and returns how they failed. */
    private static LaunchStepFailed failureOf(Launch launch, List<LaunchStep> steps) {
        CompletionException e = assertThrows(CompletionException.class,
                () -> launch.run(steps).toCompletableFuture().join());
        return assertInstanceOf(LaunchStepFailed.class, e.getCause());
    }

    @Test
    void aFailingStepIsNamedAndWhatTheStepsBeforeItDidIsUndoneNewestFirst() {
        Launch launch = new Launch(SPEC, TINY, null, () -> false, Runnable::run);
        LaunchStepFailed failed = failureOf(launch, List.of(step("one"), step("two"),
                LaunchStep.of("three", l -> CompletableFuture.failedFuture(new IllegalStateException("no TAP left"))),
                step("four")));
        assertEquals("three", failed.step());
        assertEquals("no TAP left", failed.getMessage());
        assertEquals(List.of("one", "two", "undo two", "undo one"), done);
    }

    @Test
    void anAbortedStartRunsNoFurtherStep() {
        AtomicBoolean aborted = new AtomicBoolean();
        Launch launch = new Launch(SPEC, TINY, null, aborted::get, Runnable::run);
        LaunchStepFailed failed = failureOf(launch, List.of(step("one"),
                LaunchStep.blocking("two", Runnable::run, l -> aborted.set(true)), step("three")));
        assertEquals("three", failed.step(), "the abort is seen before the step after it");
        assertTrue(failed.getMessage().contains("aborted"), failed.getMessage());
        assertEquals(List.of("one", "undo one"), done);
    }

    @Test
    void diskAndKernelAreChosenFromDeclaredCapabilities() {
        HostCommands host = new banger.host.ProcessHostCommands();
        DiskClonerChoice auto = new DiskClonerChoice(host, "auto");
        VmmCapabilities qemuLike = new VmmCapabilities(VmmCapabilities.KernelFormat.BZIMAGE, Set.of("raw", "qcow2"));
        VmmCapabilities rawOnly = new VmmCapabilities(VmmCapabilities.KernelFormat.VMLINUX, Set.of("raw"));

        assertEquals(Qcow2OverlayCloner.NAME, auto.forVm(qemuLike.takes("qcow2"), TINY.readsKernelCmdline()).name(),
                "a guest reading the kernel command line boots an overlay where the VMM takes qcow2");
        assertEquals(SparseCopyCloner.NAME, auto.forVm(qemuLike.takes("qcow2"), DEBIAN.readsKernelCmdline()).name(),
                "a guest configured through its disk needs a raw disk debugfs can edit");
        assertEquals(SparseCopyCloner.NAME, auto.forVm(rawOnly.takes("qcow2"), TINY.readsKernelCmdline()).name());

        assertEquals(Path.of("/k/bzImage"), LaunchPlan.kernelFor(TINY, qemuLike.kernelFormat()));
        assertEquals(Path.of("/k/vmlinux"), LaunchPlan.kernelFor(TINY, rawOnly.kernelFormat()));
        IllegalStateException noVmlinux = assertThrows(IllegalStateException.class,
                () -> LaunchPlan.kernelFor(DEBIAN, rawOnly.kernelFormat()));
        assertTrue(noVmlinux.getMessage().contains("vmlinux"), noVmlinux.getMessage());
    }

    @Test
    void imagesJournaledBeforeCapabilitiesKeepTheirPresetsChannels() {
        Image legacyTiny = new Image("tiny", "tiny", "/k", null, null, "/r", 1, Instant.now(), null);
        Image legacyDebian = new Image("debian", "debian", "/k", null, null, "/r", 1, Instant.now(), null);
        assertTrue(legacyTiny.readsKernelCmdline());
        assertEquals(Set.of(ConfigChannel.DISK), legacyDebian.configVia());
    }

    @Test
    void theFailedStepIsInTheVmsHistory() throws Exception {
        ScriptedVmRuntime runtime = new ScriptedVmRuntime();
        VmSpec spec = new VmSpec(UUID.randomUUID().toString().substring(0, 8), "unready", "tiny", 1, 256, 512, null,
                Map.of());
        ActorRef<VmCommand> vm = testKit.spawn(Vm.create(spec.id(), runtime,
                testKit.<VmFleet.Command>createTestProbe().ref(), Duration.ofMinutes(1), Clock.systemUTC()));
        TestProbe<StatusReply<VmView>> created = testKit.createTestProbe();
        vm.tell(new VmCommand.Create(spec, true, created.ref()));
        runtime.next(30).result().completeExceptionally(new LaunchStepFailed(LaunchPlan.AWAIT_READINESS,
                new IllegalStateException("guest not ready after 60s")));
        assertTrue(created.receiveMessage().isError());

        List<Object> events = PersistenceTestKit.create(testKit.system()).persistedInStorage(
                Vm.persistenceId(spec.id()).id());
        Map<String, Object> data = VmHistory.entryOf(events.size(), events.get(events.size() - 1)).data();
        assertEquals("await-readiness", data.get("step"));
        assertEquals("guest not ready after 60s", data.get("reason"));
    }
}
