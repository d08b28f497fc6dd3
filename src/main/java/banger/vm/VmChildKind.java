package banger.vm;

import java.util.Set;
import org.apache.pekko.actor.typed.Behavior;

/**
 * One kind of per-VM child actor: slow guest I/O (sessions, a workspace, file copies) that belongs to one VM,
 * stops with it, and never holds the VM's mailbox. Defined by a package above {@code vm} (session, workspace),
 * offered to every VM through {@link VmChildren}. The VM spawns at most one child of each kind, on the first
 * {@link VmCommand.Child} for it, and stops it when the VM is deleted. Children are not persistent: what must
 * survive goes into the VM's history through {@link VmCommand.RecordGuestEvent}.
 *
 * @param <M> the child's protocol
 */
public interface VmChildKind<M> {

    /** Unique among the kinds offered; part of the child's actor name. Letters, digits and '-' only. */
    String name();

    /** The phases in which {@link VmCommand.Child} hands the child out; in others it answers CONFLICT. */
    default Set<VmPhase> reachableIn() {
        return Set.of(VmPhase.RUNNING);
    }

    /** The child's behavior for one VM. */
    Behavior<M> create(VmChildContext vm);

    /**
     * The message telling this kind's child that its VM entered {@code phase} (e.g. STOPPING: the guest goes away,
     * mark work lost), or null when the child does not care. DELETING is the last one it hears: once the VM is
     * deleted the child is stopped (clean up in its {@code PostStop}).
     */
    M phaseChanged(VmPhase phase);
}
