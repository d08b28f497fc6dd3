package banger.vm;

import banger.persistence.JsonSerializable;
import banger.wire.PatchVmRequest;
import banger.wire.VmView;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * The Vm actor's public protocol. Every command is answered with a {@link StatusReply}; a refusal carries a
 * {@link banger.core.Rejected}. Lifecycle commands wait (stashed) while a transition is in flight; the others are
 * answered at once. The actor's own messages (side-effect results, timers) are private to {@link Vm}.
 */
public sealed interface VmCommand extends JsonSerializable, Vm.Message {

    /** Who hears the answer; a refusal goes here whatever the success type. */
    ActorRef<? extends StatusReply<?>> replyTo();

    /** First command a new VM receives: journal its spec, and start it if asked. */
    record Create(VmSpec spec, boolean start, ActorRef<StatusReply<VmView>> replyTo) implements VmCommand {
    }

    record Start(ActorRef<StatusReply<VmView>> replyTo) implements VmCommand {
    }

    record Stop(ActorRef<StatusReply<VmView>> replyTo) implements VmCommand {
    }

    record Restart(ActorRef<StatusReply<VmView>> replyTo) implements VmCommand {
    }

    /** Stop without asking the guest; during a boot it aborts the boot instead of waiting for it. */
    record Kill(ActorRef<StatusReply<VmView>> replyTo) implements VmCommand {
    }

    record Delete(ActorRef<StatusReply<VmView>> replyTo) implements VmCommand {
    }

    record Reconfigure(PatchVmRequest patch, ActorRef<StatusReply<VmView>> replyTo) implements VmCommand {
    }

    /** Freezes a running VM's vCPUs; CONFLICT in any other phase. */
    record Pause(ActorRef<StatusReply<VmView>> replyTo) implements VmCommand {
    }

    /** Lets a paused VM run on; CONFLICT in any other phase. */
    record Resume(ActorRef<StatusReply<VmView>> replyTo) implements VmCommand {
    }

    /**
     * Saves a running or paused VM's memory and device state to disk and ends its VMM (suspended); a start resumes
     * it. A suspended VM answers at once; CONFLICT in any other phase.
     */
    record Suspend(ActorRef<StatusReply<VmView>> replyTo) implements VmCommand {
    }

    /** Sets the VM's expiry rules (a PATCH's ttl_s, idle_timeout_s, on_expiry); a running VM's ttl counts from now. */
    record SetExpiry(PatchVmRequest patch, ActorRef<StatusReply<VmView>> replyTo) implements VmCommand {
    }

    /** API activity on the VM (exec, session I/O, files, workspace, console): its idle clock starts again. */
    record Touch(ActorRef<StatusReply<Done>> replyTo) implements VmCommand {
    }

    /** The VM's view, or NOT_FOUND at once when no VM was ever created under this actor. */
    record Get(ActorRef<StatusReply<VmView>> replyTo) implements VmCommand {
    }

    /**
     * Abandons the creation in flight: the start is aborted and, once its outcome arrives, the VM is deleted
     * with everything it held. Answers with the deleted VM, or CONFLICT when no start is in flight.
     */
    record CancelCreate(ActorRef<StatusReply<VmView>> replyTo) implements VmCommand {
    }

    /**
     * The VM's child of this kind (spawned on first use), once the VM is in one of the kind's
     * {@link VmChildKind#reachableIn()} phases; CONFLICT otherwise. Talk to the child directly from then on:
     * its messages never queue behind the VM's transitions.
     */
    record Child<M>(VmChildKind<M> kind, ActorRef<StatusReply<ActorRef<M>>> replyTo) implements VmCommand {
    }

    /** Journals a guest session's event in this VM's history (any phase); answers once it is written. */
    record RecordSession(VmEvent.SessionEvent event, ActorRef<StatusReply<Done>> replyTo) implements VmCommand {
    }

    /**
     * Journals a workspace event (WorkspacePrepared / WorkspaceExported) in this VM's history; never stashed,
     * since it changes no lifecycle state. Refused (NOT_FOUND) once the VM is deleted.
     */
    record RecordWorkspace(VmEvent event, ActorRef<StatusReply<Done>> replyTo) implements VmCommand {
    }

    /**
     * Journals something that happened in the guest (a session started, a workspace was prepared) into the VM's
     * history, as a {@link VmEvent.GuestRecorded} whose history type is {@code type} (e.g. "SessionStarted").
     */
    record RecordGuestEvent(String type, Map<String, Object> data, ActorRef<StatusReply<Done>> replyTo)
            implements VmCommand {
    }
}
