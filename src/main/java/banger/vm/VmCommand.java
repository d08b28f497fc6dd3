package banger.vm;

import banger.persistence.JsonSerializable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * The Vm actor's protocol. Lifecycle commands are stashed while a transition is in flight; Get and CancelCreate
 * never are.
 */
public sealed interface VmCommand extends JsonSerializable {

    /** First command a new VM receives: journal its spec, and start it if asked. */
    record Create(VmSpec spec, boolean start, ActorRef<StatusReply<VmView>> replyTo) implements VmCommand {
    }

    record Start(ActorRef<StatusReply<VmView>> replyTo) implements VmCommand {
    }

    record Stop(ActorRef<StatusReply<VmView>> replyTo) implements VmCommand {
    }

    record Restart(ActorRef<StatusReply<VmView>> replyTo) implements VmCommand {
    }

    /** Stop without asking the guest. */
    record Kill(ActorRef<StatusReply<VmView>> replyTo) implements VmCommand {
    }

    record Delete(ActorRef<StatusReply<VmView>> replyTo) implements VmCommand {
    }

    record Reconfigure(PatchVmRequest patch, ActorRef<StatusReply<VmView>> replyTo) implements VmCommand {
    }

    record Get(ActorRef<VmView> replyTo) implements VmCommand {
    }

    /**
     * Abandons the creation in flight: the start is aborted and, once its outcome arrives, the VM is deleted
     * with everything it held. Never stashed. Answers with the deleted VM, or CONFLICT when no start is in flight.
     */
    record CancelCreate(ActorRef<StatusReply<VmView>> replyTo) implements VmCommand {
    }

    // Results of side effects, piped back to the actor itself.

    record StartCompleted(long pid, String failure) implements VmCommand {
    }

    record StopCompleted(String reason, String failure) implements VmCommand {
    }

    record DeleteCompleted(String failure) implements VmCommand {
    }

    record AbortCompleted(String failure) implements VmCommand {
    }

    record Probed(boolean alive, long pid, String detail, boolean recovery) implements VmCommand {
    }

    record LivenessTick() implements VmCommand {
    }
}
