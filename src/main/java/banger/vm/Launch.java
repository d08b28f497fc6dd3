package banger.vm;

import banger.fault.CrashPoints;
import banger.image.Image;
import banger.storage.VmDisk;
import banger.vmm.NetworkAttachment;
import banger.vmm.VmmHandle;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One start of one VM in progress: what its steps have produced so far and how to undo it. Its steps run one after
 * the other (each begins when the one before completed), so its fields are never touched by two threads at once.
 */
final class Launch {

    private static final Logger log = LoggerFactory.getLogger(Launch.class);

    final VmSpec spec;
    final Image image;
    final VmDirectory dir;
    private final BooleanSupplier aborted;
    private final Executor blocking;
    private final Deque<Runnable> undo = new ArrayDeque<>();

    VmDisk disk;
    String kernelCmdline;
    Optional<NetworkAttachment> nic = Optional.empty();
    VmmHandle vmm;

    /** @param blocking where compensations run (they kill processes and edit host state) */
    Launch(VmSpec spec, Image image, VmDirectory dir, BooleanSupplier aborted, Executor blocking) {
        this.spec = spec;
        this.image = image;
        this.dir = dir;
        this.aborted = aborted;
        this.blocking = blocking;
    }

    boolean aborted() {
        return aborted.getAsBoolean();
    }

    /** Registers how to take back what a step just did, should a later step fail. */
    void onFailure(Runnable compensation) {
        undo.push(compensation);
    }

    /**
     * Runs the steps in order, each only if the start was not aborted; on failure undoes what was done, newest first,
     * and fails with {@link LaunchStepFailed} naming the step.
     */
    CompletionStage<Void> run(List<LaunchStep> steps) {
        return runFrom(steps, 0);
    }

    private CompletionStage<Void> runFrom(List<LaunchStep> steps, int index) {
        if (index == steps.size()) {
            return CompletableFuture.completedFuture(null);
        }
        LaunchStep step = steps.get(index);
        CompletionStage<Void> ran;
        try {
            if (aborted()) {
                throw new IllegalStateException("start of VM " + spec.name() + " was aborted");
            }
            log.info("VM {}: {}", spec.name(), step.name());
            CrashPoints.reached("launch:" + step.name());
            ran = step.run(this);
        } catch (RuntimeException e) {
            ran = CompletableFuture.failedFuture(e);
        }
        return ran.handle((done, failure) -> failure).thenComposeAsync(failure -> {
            if (failure == null) {
                CrashPoints.reached("launch:" + step.name() + ":done");
                return runFrom(steps, index + 1);
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            log.info("VM {}: step {} failed: {}", spec.name(), step.name(), cause.getMessage());
            unwind();
            return CompletableFuture.failedFuture(new LaunchStepFailed(step.name(), cause));
        }, blocking);
    }

    private void unwind() {
        while (!undo.isEmpty()) {
            try {
                undo.pop().run();
            } catch (RuntimeException e) {
                log.warn("VM {}: undoing a step of its failed start failed: {}", spec.name(), e.toString());
            }
        }
    }
}
