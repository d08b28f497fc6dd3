package banger.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One event-stream client: for every event's data line it records the lag from the event's own timestamp
 * ("at", taken by the VM actor just before the journal write) to now. Runs on the HTTP client's threads.
 */
final class SseSubscriber implements Flow.Subscriber<String> {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Latencies lags;
    private final AtomicInteger received = new AtomicInteger();
    private volatile Flow.Subscription subscription;

    SseSubscriber(Latencies lags) {
        this.lags = lags;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
        if (!line.startsWith("data: ")) {
            return;
        }
        Instant now = Instant.now();
        try {
            Instant at = Instant.parse(JSON.readTree(line.substring(6)).path("at").asText());
            lags.add(Duration.between(at, now).toNanos());
            received.incrementAndGet();
        } catch (Exception e) {
            throw new IllegalStateException("unreadable event " + line, e);
        }
    }

    @Override
    public void onError(Throwable t) {
    }

    @Override
    public void onComplete() {
    }

    boolean connected() {
        return subscription != null;
    }

    int received() {
        return received.get();
    }

    void close() {
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }
}
