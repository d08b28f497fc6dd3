package banger.persistence;

import java.time.Duration;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.SupervisorStrategy;

/**
 * How event-sourced actors meet a failed journal write (disk full, a busy database): restart and recover from
 * the journal after a growing pause, instead of stopping for good and leaving every later ask unanswered.
 */
public final class JournalFailures {

    private JournalFailures() {
    }

    public static BackoffSupervisorStrategy restartWithBackoff() {
        return SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2);
    }
}
