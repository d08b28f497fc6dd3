package banger.vm;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * What a per-VM child is given when its VM spawns it.
 *
 * @param address the guest's address, or null without a guest network
 * @param phase   the VM's phase when the child was spawned; later changes arrive as {@link VmChildKind#phaseChanged}
 * @param vm      its VM, e.g. for {@link VmCommand.RecordGuestEvent}; never ask it for a lifecycle change and wait
 *                on the answer inside the child, that would tie the child to the VM's transitions
 */
public record VmChildContext(String vmId, String vmName, String address, VmPhase phase, ActorRef<VmCommand> vm) {
}
