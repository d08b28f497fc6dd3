package banger.daemon;

import java.time.Duration;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** How the guardian keeps its singletons alive. */
public final class Supervision {

    private Supervision() {
    }

    /**
     * A singleton that throws is restarted after a growing pause rather than stopped for the daemon's remaining
     * life; an event-sourced one replays its journal on restart, so it comes back with its state.
     */
    public static <T> Behavior<T> singleton(Behavior<T> behavior) {
        return Behaviors.supervise(behavior)
                .onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
    }
}
