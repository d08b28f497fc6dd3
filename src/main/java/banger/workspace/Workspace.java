package banger.workspace;

import banger.guest.SshAbort;
import banger.core.Rejected;
import banger.core.Rejection;
import banger.vm.VmControl;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One VM's slow guest I/O (workspace import and export, file copies, port listing): not persistent, and
 * apart from the VM's own actor, so a stop or delete never waits behind a transfer. Jobs run on the
 * workspace executor, never on this actor's thread. One workspace import at a time; other jobs run beside it.
 * While jobs run, the actor checks that the VM still runs (and hears {@link VmStopped} directly where the VM
 * tells it): once it does not, every job is aborted at once and fails saying so, instead of hanging on a guest
 * that is going away.
 */
public final class Workspace extends AbstractBehavior<Workspace.Command> {

    public sealed interface Command {
    }

    /** Runs {@code job}; {@code exclusive} jobs (workspace imports) run one at a time. */
    public record Run<T>(boolean exclusive, String what, GuestJob<T> job, CompletableFuture<T> result)
            implements Command {
    }

    /** The VM left the running state: abort everything in flight with this reason. */
    public record VmStopped(String reason) implements Command {
    }

    private record Finished(long id, Object value, Throwable failure) implements Command {
    }

    private record Released(long id) implements Command {
    }

    /** A job failed and the VM's state was looked up to tell why. */
    private record FailureChecked(long id, Throwable failure, String state) implements Command {
    }

    private record Check() implements Command {
    }

    private record Checked(String state) implements Command {
    }

    private static final class Job {
        final boolean exclusive;
        final String what;
        final SshAbort abort = new SshAbort();
        final CompletableFuture<Object> result;
        String abandoned;

        Job(boolean exclusive, String what, CompletableFuture<Object> result) {
            this.exclusive = exclusive;
            this.what = what;
            this.result = result;
        }
    }

    private static final String CHECK = "vm-check";

    private final GuestTarget target;
    private final VmControl control;
    private final Executor executor;
    private final Duration checkInterval;
    private final ActorRef<Workspaces.Command> owner;
    private final TimerScheduler<Command> timers;
    private final Map<Long, Job> jobs = new HashMap<>();
    private long nextId;
    private boolean checking;

    /**
     * @param owner hears {@link Workspaces.JobEnded} each time a job ends (its download stream closed, for
     *              downloads), so it can tell when this actor is idle
     */
    public static Behavior<Command> create(GuestTarget target, VmControl control, Executor executor,
                                           Duration checkInterval, ActorRef<Workspaces.Command> owner) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
                new Workspace(ctx, timers, target, control, executor, checkInterval, owner)));
    }

    private Workspace(ActorContext<Command> ctx, TimerScheduler<Command> timers, GuestTarget target, VmControl control,
                      Executor executor, Duration checkInterval, ActorRef<Workspaces.Command> owner) {
        super(ctx);
        this.timers = timers;
        this.target = target;
        this.control = control;
        this.executor = executor;
        this.checkInterval = checkInterval;
        this.owner = owner;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Run.class, this::onRun)
                .onMessage(Finished.class, this::onFinished)
                .onMessage(FailureChecked.class, this::onFailureChecked)
                .onMessage(Released.class, r -> release(r.id()))
                .onMessage(VmStopped.class, s -> abandonAll(s.reason()))
                .onMessage(Check.class, c -> check())
                .onMessage(Checked.class, this::onChecked)
                .build();
    }

    @SuppressWarnings("unchecked")
    private Behavior<Command> onRun(Run<?> run) {
        CompletableFuture<Object> result = (CompletableFuture<Object>) run.result();
        long id = nextId++;
        if (run.exclusive() && jobs.values().stream().anyMatch(j -> j.exclusive)) {
            result.completeExceptionally(new Rejected(Rejection.Reason.CONFLICT,
                    "a workspace import is already running in VM " + target.name() + "; wait for it to finish"));
            owner.tell(new Workspaces.JobEnded(target.vmId()));
            return this;
        }
        Job job = new Job(run.exclusive(), run.what(), result);
        GuestJob<Object> work = (GuestJob<Object>) run.job();
        CompletableFuture<Object> done;
        try {
            done = CompletableFuture.supplyAsync(() -> {
                try {
                    return work.run(job.abort);
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            }, executor);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new Rejected(Rejection.Reason.TOO_MANY_REQUESTS,
                    "too many guest transfers are running or waiting; retry shortly"));
            owner.tell(new Workspaces.JobEnded(target.vmId()));
            return this;
        }
        jobs.put(id, job);
        if (!timers.isTimerActive(CHECK)) {
            timers.startTimerWithFixedDelay(CHECK, new Check(), checkInterval);
        }
        getContext().pipeToSelf(done, (value, failure) -> new Finished(id, value, failure));
        return this;
    }

    private Behavior<Command> onFinished(Finished f) {
        Job job = jobs.get(f.id());
        if (job == null) {
            return this;
        }
        if (f.failure() != null) {
            if (job.abandoned != null) {
                job.result.completeExceptionally(explain(job, f.failure()));
                return release(f.id());
            }
            // a guest that powers off ends the transfer before any check notices: ask whether that is why
            getContext().pipeToSelf(control.get(target.vmId()), (vm, err) ->
                    new FailureChecked(f.id(), f.failure(), err != null ? "gone" : vm.state()));
            return this;
        }
        if (f.value() instanceof InputStream stream && job.abandoned == null) {
            // a download holds its place (and stays abortable) until its reader closes it
            ActorRef<Command> self = getContext().getSelf();
            job.result.complete(new ClosingStream(stream, () -> self.tell(new Released(f.id()))));
            return this;
        }
        if (job.abandoned != null) {
            closeQuietly(f.value());
            job.result.completeExceptionally(explain(job, null));
        } else {
            job.result.complete(f.value());
        }
        return release(f.id());
    }

    private Behavior<Command> onFailureChecked(FailureChecked c) {
        Job job = jobs.get(c.id());
        if (job == null) {
            return this;
        }
        if (job.abandoned == null && !"running".equals(c.state())) {
            job.abandoned = "VM " + target.name() + " is " + c.state();
        }
        job.result.completeExceptionally(explain(job, c.failure()));
        return release(c.id());
    }

    private Behavior<Command> release(long id) {
        if (jobs.remove(id) != null) {
            owner.tell(new Workspaces.JobEnded(target.vmId()));
        }
        if (jobs.isEmpty()) {
            timers.cancel(CHECK);
        }
        return this;
    }

    private Behavior<Command> check() {
        if (!checking && !jobs.isEmpty()) {
            checking = true;
            getContext().pipeToSelf(control.get(target.vmId()),
                    (vm, failure) -> new Checked(failure != null ? "gone" : vm.state()));
        }
        return this;
    }

    private Behavior<Command> onChecked(Checked c) {
        checking = false;
        if (!"running".equals(c.state())) {
            return abandonAll("VM " + target.name() + " is " + c.state());
        }
        return this;
    }

    private Behavior<Command> abandonAll(String reason) {
        for (Job job : jobs.values()) {
            if (job.abandoned == null) {
                job.abandoned = reason;
                getContext().getLog().info("VM {}: abandoning {}: {}", target.name(), job.what, reason);
                job.abort.abort();
            }
        }
        return this;
    }

    /** The failure a caller sees: a job ended by the VM stopping says so, whatever SSH reported. */
    private Throwable explain(Job job, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (job.abandoned != null) {
            return new Rejected(Rejection.Reason.CONFLICT,
                    job.what + " failed: " + job.abandoned + " (it stopped while the transfer ran)");
        }
        return cause;
    }

    private static void closeQuietly(Object value) {
        if (value instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // nobody will read it
            }
        }
    }

    /** A download whose close tells the actor its job ended, once. */
    private static final class ClosingStream extends FilterInputStream {

        private final Runnable onClose;
        private final AtomicBoolean closed = new AtomicBoolean();

        ClosingStream(InputStream in, Runnable onClose) {
            super(in);
            this.onClose = onClose;
        }

        @Override
        public void close() throws IOException {
            if (closed.compareAndSet(false, true)) {
                try {
                    super.close();
                } finally {
                    onClose.run();
                }
            }
        }
    }
}
