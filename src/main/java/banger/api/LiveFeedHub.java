package banger.api;

import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.LongFunction;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.BufferOverflowException;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The one live journal query that every caught-up event stream subscriber shares, so a committed event costs one
 * journal read however many subscribers there are. It starts with the first subscriber and fans each event out to
 * every subscriber's own bounded queue without waiting: a subscriber whose queue is full is failed with
 * {@link BufferOverflowException} (the event stream turns that into its {@code overflow} event) and dropped, so
 * no subscriber can slow the query or the others. If the query fails it is restarted with backoff from the last
 * event it fanned out; subscribers only see the delay.
 *
 * <p>Not a BroadcastHub: a hub consumer registers asynchronously and starts wherever the hub's buffer then begins,
 * so a subscriber could not know which events it will get from the hub and which it must read itself. Here
 * {@link #subscribe} registers the queue before it returns: every event fanned out afterwards, which is every
 * event after the query's position at that moment, reaches the queue, and everything up to that position is
 * already committed, so a journal read started after registering covers the rest without a gap.
 */
final class LiveFeedHub {

    private static final RestartSettings RESTART = RestartSettings.create(
            Duration.ofMillis(200), Duration.ofSeconds(10), 0.2);

    private final ClassicActorSystemProvider system;
    private final LongFunction<CompletionStage<Long>> startingPoint;
    private final LongFunction<Source<FeedEvent, NotUsed>> liveAfter;
    private final int subscriberBuffer;
    private final Set<BoundedSourceQueue<FeedEvent>> subscribers = Collections.newSetFromMap(new IdentityHashMap<>());
    private CompletionStage<Done> running;
    private long position;

    /**
     * @param startingPoint    for a subscriber's hint (an offset it has read up to, or 0), the offset to start the
     *                         shared query after: a committed event's offset at or below the newest one, or 0
     * @param liveAfter        the live query from an offset, exclusive; never completes
     * @param subscriberBuffer events a subscriber may have waiting before it is cut off
     */
    LiveFeedHub(ClassicActorSystemProvider system, LongFunction<CompletionStage<Long>> startingPoint,
                LongFunction<Source<FeedEvent, NotUsed>> liveAfter, int subscriberBuffer) {
        if (subscriberBuffer <= 0) {
            throw new IllegalArgumentException("subscriber buffer must be positive, got " + subscriberBuffer);
        }
        this.system = system;
        this.startingPoint = startingPoint;
        this.liveAfter = liveAfter;
        this.subscriberBuffer = subscriberBuffer;
    }

    /**
     * Registers a subscriber once the shared query runs (starting it if needed, from {@code hint}). The stage
     * completes with the subscriber's live events: every event after the query's position when it registered.
     */
    CompletionStage<Source<FeedEvent, NotUsed>> subscribe(long hint) {
        return running(hint).thenApply(started -> register());
    }

    /** Subscribers registered now. */
    synchronized int subscribers() {
        return subscribers.size();
    }

    private synchronized CompletionStage<Done> running(long hint) {
        if (running == null) {
            CompletionStage<Done> starting = startingPoint.apply(hint).thenApply(this::run);
            // a failed start (the journal unreadable) is retried by the next subscriber
            starting.whenComplete((done, failure) -> {
                if (failure != null) {
                    forgetStart(starting);
                }
            });
            running = starting;
        }
        return running;
    }

    private synchronized void forgetStart(CompletionStage<Done> failed) {
        if (running == failed) {
            running = null;
        }
    }

    private Done run(long start) {
        synchronized (this) {
            position = start;
        }
        RestartSource.withBackoff(RESTART, () -> liveAfter.apply(position()))
                .runWith(Sink.foreach(this::publish), system);
        return Done.getInstance();
    }

    private synchronized long position() {
        return position;
    }

    private Source<FeedEvent, NotUsed> register() {
        Pair<BoundedSourceQueue<FeedEvent>, Source<FeedEvent, NotUsed>> queue =
                Source.<FeedEvent>queue(subscriberBuffer).preMaterialize(system);
        synchronized (this) {
            subscribers.add(queue.first());
        }
        return queue.second().watchTermination((notUsed, done) -> {
            done.whenComplete((d, failure) -> unregister(queue.first()));
            return notUsed;
        });
    }

    private synchronized void unregister(BoundedSourceQueue<FeedEvent> queue) {
        subscribers.remove(queue);
    }

    private synchronized void publish(FeedEvent event) {
        // a restarted query may repeat what was in flight when the last one failed
        if (event.offset() <= position) {
            return;
        }
        position = event.offset();
        Iterator<BoundedSourceQueue<FeedEvent>> each = subscribers.iterator();
        while (each.hasNext()) {
            BoundedSourceQueue<FeedEvent> queue = each.next();
            QueueOfferResult offered = queue.offer(event);
            if (offered == QueueOfferResult.dropped()) {
                queue.fail(new BufferOverflowException(
                        "more than " + subscriberBuffer + " live events waited for this subscriber"));
                each.remove();
            } else if (!offered.isEnqueued()) {
                each.remove();
            }
        }
    }
}
