package banger.workspace;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.vm.VmControl;
import banger.wire.VmView;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/** Finds the running VM a request names and hands its guest I/O to that VM's {@link Workspace} actor. */
public final class GuestJobs {

    private final ActorRef<Workspaces.Command> workspaces;
    private final VmControl control;

    public GuestJobs(ActorRef<Workspaces.Command> workspaces, VmControl control) {
        this.workspaces = workspaces;
        this.control = control;
    }

    /** The VM {@code ref} (id or name) if it runs with a guest address; NOT_FOUND or CONFLICT otherwise. */
    public CompletionStage<GuestTarget> target(String ref) {
        return control.get(ref).thenApply(GuestJobs::reachable);
    }

    static GuestTarget reachable(VmView vm) {
        if (!"running".equals(vm.state())) {
            throw new Rejected(Rejection.Reason.CONFLICT,
                    "VM " + vm.name() + " is " + vm.state() + "; start it first");
        }
        if (vm.address() == null) {
            throw new Rejected(Rejection.Reason.CONFLICT,
                    "VM " + vm.name() + " has no guest network address (daemon runs without network)");
        }
        return new GuestTarget(vm.id(), vm.name(), vm.address());
    }

    /** Runs the job {@code work} makes for the VM's guest; {@code exclusive} for workspace imports. */
    public <T> CompletionStage<T> run(String ref, boolean exclusive, String what, Function<GuestTarget, GuestJob<T>> work) {
        return target(ref).thenCompose(target -> run(target, exclusive, what, work.apply(target)));
    }

    public <T> CompletionStage<T> run(GuestTarget target, boolean exclusive, String what, GuestJob<T> job) {
        CompletableFuture<T> result = new CompletableFuture<>();
        workspaces.tell(new Workspaces.Submit(target, new Workspace.Run<>(exclusive, what, job, result)));
        return result;
    }
}
