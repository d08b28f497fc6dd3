package banger.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.wire.ImageView;
import banger.wire.HistoryEntry;
import banger.wire.PatchVmRequest;
import banger.core.Rejected;
import banger.core.Rejection;
import banger.vm.VmControl;
import banger.wire.VmView;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The per-VM Workspace actor: one import at a time, jobs beside it, and nothing outlives the VM's running. */
class WorkspaceActorTest {

    private static final ActorTestKit kit = ActorTestKit.create();
    private static final ExecutorService executor = Executors.newFixedThreadPool(4);
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final StateControl control = new StateControl();
    private final GuestJobs jobs = new GuestJobs(kit.spawn(Workspaces.create(control, executor,
            Duration.ofMillis(50))), control);
    private final GuestTarget vm = new GuestTarget("id-1", "box", "172.30.0.9");

    @AfterAll
    static void shutDown() {
        executor.shutdownNow();
        kit.shutdownTestKit();
    }

    @Test
    void aSecondImportIsRefusedWhileOneRunsButOtherJobsRunBesideIt() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> first = jobs.run(vm, true, "import", abort -> {
            release.await(WAIT.toSeconds(), TimeUnit.SECONDS);
            return "imported";
        }).toCompletableFuture();
        ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> jobs.run(vm, true, "import", abort -> "again").toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertTrue(refused.getCause() instanceof Rejected r && r.reason() == Rejection.Reason.CONFLICT,
                String.valueOf(refused.getCause()));
        assertEquals("ports", jobs.run(vm, false, "ports", abort -> "ports").toCompletableFuture()
                .get(10, TimeUnit.SECONDS));
        assertFalse(first.isDone());
        release.countDown();
        assertEquals("imported", first.get(10, TimeUnit.SECONDS));
        assertEquals("next", jobs.run(vm, true, "import", abort -> "next").toCompletableFuture()
                .get(10, TimeUnit.SECONDS), "the next import runs once the first ended");
    }

    @Test
    void aJobStillRunningWhenTheVmStopsIsAbortedAndFailsSayingSo() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<String> running = jobs.<String>run(vm, true, "the workspace import", abort -> {
            started.countDown();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!abort.aborted() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            throw new IllegalStateException("channel closed");
        }).toCompletableFuture();
        assertTrue(started.await(10, TimeUnit.SECONDS));
        control.state = "stopping";
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> running.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof Rejected r && r.reason() == Rejection.Reason.CONFLICT
                && r.getMessage().contains("the workspace import failed: VM box is stopping"),
                String.valueOf(e.getCause()));
    }

    /** A VmControl whose one VM has whatever state the test sets; nothing else is used. */
    private static final class StateControl implements VmControl {

        volatile String state = "running";

        @Override
        public CompletionStage<VmView> get(String ref) {
            return CompletableFuture.completedFuture(new VmView("id-1", "box", state, null, "tiny", 1, 256, 512,
                    "172.30.0.9", 1L, Map.of(), Instant.EPOCH, Instant.EPOCH));
        }

        @Override
        public CompletionStage<List<VmView>> list() {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<VmView> patch(String ref, PatchVmRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<VmView> kill(String ref) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<List<HistoryEntry>> history(String ref) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<Path> consoleLog(String ref) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<List<ImageView>> images() {
            throw new UnsupportedOperationException();
        }

        private static <T> CompletionStage<T> unused() {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("not used by this test"));
        }

        @Override
        public CompletionStage<VmView> pause(String ref) {
            return unused();
        }

        @Override
        public CompletionStage<VmView> resume(String ref) {
            return unused();
        }

        @Override
        public void touch(String ref) {
        }

        @Override
        public CompletionStage<ImageView> registerImage(String name, String os, String kernel, String initrd,
                                                       String rootfs) {
            return unused();
        }

        @Override
        public CompletionStage<ImageView> deleteImage(String name) {
            return unused();
        }

        @Override
        public CompletionStage<ImageView> promoteVm(String ref, String name) {
            return unused();
        }
    }
}
