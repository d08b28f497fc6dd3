package banger.vm;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The Vm actor's expiry timer: one single timer per VM, armed for the nearer of its ttl and idle deadlines while it
 * runs, never a poll over the fleet. API activity is noted in memory at once and journaled at most every
 * {@link #journalEvery} (a tenth of the idle timeout, 1 s to 60 s), so a busy VM does not write an event per
 * request; after a daemon restart the idle clock resumes from the last journaled activity (up to that much early).
 * Actor-local: used only on its VM's actor thread.
 */
final class ExpiryWatch {

    /** The timer's message: check the deadlines. */
    record Tick() implements Vm.Message {
    }

    private static final String KEY = "expiry";

    private final TimerScheduler<Vm.Message> timers;
    private final Clock clock;
    private Instant lastTouched;

    ExpiryWatch(TimerScheduler<Vm.Message> timers, Clock clock) {
        this.timers = timers;
        this.clock = clock;
    }

    /** After every state change: armed for the next deadline while the VM runs, cancelled otherwise. */
    void rearm(VmState s) {
        boolean live = s.phase() == VmPhase.RUNNING || s.phase() == VmPhase.PAUSED;
        Instant next = s.exists() && live ? nextDeadline(s) : null;
        if (next == null) {
            timers.cancel(KEY);
            return;
        }
        Duration wait = Duration.between(clock.instant(), next);
        timers.startSingleTimer(KEY, new Tick(), wait.isNegative() ? Duration.ZERO : wait);
    }

    /** "ttl" or "idle" when that rule's deadline has passed, else null. */
    String due(VmState s) {
        Instant now = clock.instant();
        Instant ttl = s.deadlines().expiresAt();
        if (ttl != null && !now.isBefore(ttl)) {
            return "ttl";
        }
        Instant idle = idleDeadline(s);
        return idle != null && !now.isBefore(idle) ? "idle" : null;
    }

    /** Notes API activity now; true when it should be journaled (the journaled one is older than the interval). */
    boolean touch(VmState s) {
        VmExpiry rules = s.spec().expiryOrNone();
        if (s.phase() != VmPhase.RUNNING || rules.idleTimeoutS() == null) {
            return false;
        }
        Instant now = clock.instant();
        lastTouched = now;
        Instant journaled = s.deadlines().lastActivity();
        return journaled == null || !Duration.between(journaled, now).minus(journalEvery(rules)).isNegative();
    }

    static Duration journalEvery(VmExpiry rules) {
        long tenth = Math.max(1, rules.idleTimeoutS() / 10);
        return Duration.ofSeconds(Math.min(60, tenth));
    }

    private Instant nextDeadline(VmState s) {
        Instant ttl = s.deadlines().expiresAt();
        Instant idle = idleDeadline(s);
        if (ttl == null) {
            return idle;
        }
        return idle == null || ttl.isBefore(idle) ? ttl : idle;
    }

    private Instant idleDeadline(VmState s) {
        VmExpiry rules = s.spec().expiryOrNone();
        Instant journaled = s.deadlines().lastActivity();
        if (rules.idleTimeoutS() == null || journaled == null) {
            return null;
        }
        Instant last = lastTouched != null && lastTouched.isAfter(journaled) ? lastTouched : journaled;
        return last.plusSeconds(rules.idleTimeoutS());
    }
}
