package banger.api;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bound on requests in flight: past it the API answers 429 at once instead of queueing work behind actors that
 * are already busy, so an overloaded daemon says so and clients back off.
 */
final class InFlightLimit {

    private final int max;
    private final AtomicInteger inFlight = new AtomicInteger();

    InFlightLimit(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("the in-flight limit must be at least 1, got " + max);
        }
        this.max = max;
    }

    int max() {
        return max;
    }

    boolean tryAcquire() {
        while (true) {
            int now = inFlight.get();
            if (now >= max) {
                return false;
            }
            if (inFlight.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    void release() {
        inFlight.decrementAndGet();
    }
}
