package banger.operation;

import banger.vm.VmCommand;
import banger.wire.VmView;
import java.util.Arrays;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * The lifecycle calls on an existing VM that run as operations, with the operation kind each is journaled under
 * and how many VM transitions it takes (a restart is a stop and a start), which scales its timeout.
 */
public enum VmLifecycle {
    START("start_vm", "start", 1),
    STOP("stop_vm", "stop", 1),
    RESTART("restart_vm", "restart", 2),
    DELETE("delete_vm", "delete", 1),
    SUSPEND("suspend_vm", "suspend", 1);

    private final String kind;
    private final String verb;
    private final int transitions;

    VmLifecycle(String kind, String verb, int transitions) {
        this.kind = kind;
        this.verb = verb;
        this.transitions = transitions;
    }

    public String kind() {
        return kind;
    }

    /** As in metrics and messages: start, stop, restart, delete, suspend. */
    public String verb() {
        return verb;
    }

    public int transitions() {
        return transitions;
    }

    /** The lifecycle operation journaled as {@code kind}, or null (a create). */
    static VmLifecycle ofKind(String kind) {
        return Arrays.stream(values()).filter(l -> l.kind.equals(kind)).findFirst().orElse(null);
    }

    VmCommand command(ActorRef<StatusReply<VmView>> replyTo) {
        return switch (this) {
            case START -> new VmCommand.Start(replyTo);
            case STOP -> new VmCommand.Stop(replyTo);
            case RESTART -> new VmCommand.Restart(replyTo);
            case DELETE -> new VmCommand.Delete(replyTo);
            case SUSPEND -> new VmCommand.Suspend(replyTo);
        };
    }
}
