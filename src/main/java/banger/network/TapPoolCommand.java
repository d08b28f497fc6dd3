package banger.network;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

import java.util.Set;

/** What the {@link TapPool} understands. The records nested in TapPool are its own replies to itself. */
public sealed interface TapPoolCommand permits TapPoolCommand.Lend, TapPoolCommand.Return, TapPoolCommand.Adopt,
        TapPoolCommand.ReleaseVm,
        TapPoolCommand.RemoveOrphans, TapPoolCommand.GetStatus, TapPool.CreateFinished, TapPool.ResetFinished,
        TapPool.DeleteFinished, TapPool.OrphansListed, TapPool.OrphansRemoved, TapPool.RetryRefill {

    /** Hand a TAP to a VM: at once from the idle ones, else as soon as a new one exists. Replies with its name. */
    record Lend(String vmId, ActorRef<StatusReply<String>> replyTo) implements TapPoolCommand {
    }

    /**
     * VM {@code vmId} no longer uses its TAP (stopped or deleted); the pool resets it and keeps or deletes it.
     * A return by a VM that does not hold the TAP (a late duplicate after it was lent again) is ignored.
     */
    record Return(String vmId, String tap) implements TapPoolCommand {
    }

    /**
     * The VM gave up on its lend (the ask timed out): whatever was lent or is being created for it goes back to
     * the pool.
     */
    record ReleaseVm(String vmId) implements TapPoolCommand {
    }

    /** After a daemon restart: a running VM already holds this TAP. */
    record Adopt(String vmId, String tap) implements TapPoolCommand {
    }

    /**
     * Once start-up recovery has adopted what it found: delete every banger TAP on the host that the pool
     * neither lends nor holds and that is not in {@code owned}. Replies with the names deleted.
     */
    record RemoveOrphans(Set<String> owned, ActorRef<StatusReply<Set<String>>> replyTo) implements TapPoolCommand {
    }

    record GetStatus(ActorRef<TapPoolStatus> replyTo) implements TapPoolCommand {
    }
}
