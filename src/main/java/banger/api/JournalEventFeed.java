package banger.api;

import banger.vm.VmHistory;
import banger.wire.HistoryEntry;
import banger.vm.Vm;
import banger.vm.VmEvent;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByTagQuery;
import org.apache.pekko.persistence.query.javadsl.EventsByTagQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The event stream's source: every VM event from the journal's "vm" tag, resumable by its durable offset.
 *
 * <p>A subscriber first reads what is stored after its offset by itself, then registers with the one live query
 * all subscribers share ({@link LiveFeedHub}), reads the journal once more up to where that query stands, and
 * from then on takes the shared query's events. Whatever both reads and the shared query deliver twice at the
 * seams is dropped by offset, so each event arrives exactly once and in offset order. The first read runs
 * before registering so that a long replay does not fill the subscriber's live queue.
 */
public final class JournalEventFeed implements EventFeed {

    private final ClassicActorSystemProvider system;
    private final CurrentEventsByTagQuery stored;
    private final Function<String, String> nameOfVm;
    private final LiveFeedHub live;

    /**
     * @param nameOfVm         the VM name for an id, or null when unknown
     * @param subscriberBuffer live events a subscriber may have waiting before it is cut off (banger.api.sse-buffer)
     */
    public <J extends EventsByTagQuery & CurrentEventsByTagQuery> JournalEventFeed(
            ClassicActorSystemProvider system, J journal, Function<String, String> nameOfVm, int subscriberBuffer) {
        this.system = system;
        this.stored = journal;
        this.nameOfVm = nameOfVm;
        this.live = new LiveFeedHub(system, this::startingPoint,
                after -> feedEvents(journal.eventsByTag(Vm.TAG, Offset.sequence(after))), subscriberBuffer);
    }

    @Override
    public Source<FeedEvent, NotUsed> after(long offsetExclusive) {
        return Source.fromMaterializer((materializer, attributes) -> {
            AtomicLong lastSent = new AtomicLong(offsetExclusive);
            Source<FeedEvent, NotUsed> caughtUp = Source.lazySource(() -> caughtUp(lastSent.get()))
                    .mapMaterializedValue(m -> NotUsed.getInstance());
            return storedAfter(offsetExclusive)
                    .concatLazy(caughtUp)
                    .filter(e -> sendsOnce(lastSent, e));
        }).mapMaterializedValue(m -> NotUsed.getInstance());
    }

    /** Live subscribers registered now. */
    int liveSubscribers() {
        return live.subscribers();
    }

    private static boolean sendsOnce(AtomicLong lastSent, FeedEvent e) {
        if (e.offset() <= lastSent.get()) {
            return false;
        }
        lastSent.set(e.offset());
        return true;
    }

    /** Registered with the shared query first, so the read after it and the live events leave no gap. */
    private Source<FeedEvent, NotUsed> caughtUp(long readUpTo) {
        CompletionStage<Source<FeedEvent, NotUsed>> registered = live.subscribe(readUpTo)
                .thenApply(liveEvents -> storedAfter(readUpTo).concat(liveEvents));
        return Source.completionStageSource(registered).mapMaterializedValue(m -> NotUsed.getInstance());
    }

    private Source<FeedEvent, NotUsed> storedAfter(long offsetExclusive) {
        return feedEvents(stored.currentEventsByTag(Vm.TAG, Offset.sequence(offsetExclusive)));
    }

    /**
     * Where the shared query may start: the newest committed offset found reading from just below {@code hint}
     * (normally a stored event's offset, so this reads little), or, if the hint matches no stored event (a client
     * sent an offset from another journal), from the beginning. Starting any later than a committed offset could
     * skip events committed in between.
     */
    private CompletionStage<Long> startingPoint(long hint) {
        return newestOffsetAfter(Math.max(0, hint - 1)).thenCompose(newest -> newest.isPresent() || hint <= 1
                ? completed(newest.orElse(0L))
                : newestOffsetAfter(0).thenApply(fromStart -> fromStart.orElse(0L)));
    }

    private CompletionStage<Optional<Long>> newestOffsetAfter(long offsetExclusive) {
        return stored.currentEventsByTag(Vm.TAG, Offset.sequence(offsetExclusive))
                .map(env -> Optional.of(((Sequence) env.offset()).value()))
                .runWith(Sink.fold(Optional.<Long>empty(), (newest, offset) -> offset), system);
    }

    private static CompletionStage<Long> completed(long value) {
        return CompletableFuture.completedFuture(value);
    }

    private Source<FeedEvent, NotUsed> feedEvents(Source<EventEnvelope, NotUsed> envelopes) {
        return envelopes.filter(env -> env.event() instanceof VmEvent).map(this::toFeedEvent);
    }

    private FeedEvent toFeedEvent(EventEnvelope env) {
        String persistenceId = env.persistenceId();
        String vmId = persistenceId.substring(persistenceId.indexOf('|') + 1);
        HistoryEntry h = VmHistory.entryOf(env.sequenceNr(), env.event());
        String name = env.event() instanceof VmEvent.Created c ? c.spec().name() : nameOfVm.apply(vmId);
        return new FeedEvent(((Sequence) env.offset()).value(), vmId, name, h.type(), h.at(), h.data());
    }
}
