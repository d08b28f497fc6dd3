package banger.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.persistence.SqliteReadJournal;
import banger.testsupport.LocalDaemon;
import banger.vm.Vm;
import banger.vm.VmEvent;
import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByTagQuery;
import org.apache.pekko.persistence.query.javadsl.EventsByTagQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.stream.BufferOverflowException;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The journal-backed feed over the real SQLite journal, with VM events written while subscribers come and go:
 * every subscriber gets exactly the events after its offset, once and in order, across its replay and the shared
 * live query, which runs once however many subscribers there are.
 */
class JournalEventFeedTest {

    private static final ActorTestKit kit = ActorTestKit.create(config());
    private static final SqliteReadJournal journal = PersistenceQuery.get(kit.system())
            .getReadJournalFor(SqliteReadJournal.class, SqliteReadJournal.IDENTIFIER);
    private static final AtomicInteger writers = new AtomicInteger();

    private static Config config() {
        try {
            return LocalDaemon.config(Files.createTempDirectory("banger-feed"), "pekko.loglevel = WARNING");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    /** Journals a VM event, tagged like the Vm actor's, per Write. */
    private static final class Writer extends EventSourcedBehavior<Writer.Write, VmEvent, Integer> {
        record Write(ActorRef<Done> replyTo) {
        }

        Writer(String vmId) {
            super(PersistenceId.ofUniqueId("Vm|" + vmId));
        }

        static Behavior<Write> create(String vmId) {
            return new Writer(vmId);
        }

        @Override
        public Integer emptyState() {
            return 0;
        }

        @Override
        public CommandHandler<Write, VmEvent, Integer> commandHandler() {
            return newCommandHandlerBuilder().forAnyState().onCommand(Write.class, (state, write) -> Effect()
                    .persist(new VmEvent.StopRequested(false, Instant.now()))
                    .thenReply(write.replyTo(), s -> Done.getInstance())).build();
        }

        @Override
        public EventHandler<Integer, VmEvent> eventHandler() {
            return newEventHandlerBuilder().forAnyState().onAnyEvent((state, event) -> state + 1);
        }

        @Override
        public Set<String> tagsFor(VmEvent event) {
            return Set.of(Vm.TAG);
        }
    }

    /** The real journal, counting the live queries made and failing the first one after a few events if asked. */
    private static final class CountingJournal implements EventsByTagQuery, CurrentEventsByTagQuery {
        final AtomicInteger liveQueries = new AtomicInteger();
        private final int failFirstAfter;

        CountingJournal(int failFirstAfter) {
            this.failFirstAfter = failFirstAfter;
        }

        @Override
        public Source<EventEnvelope, NotUsed> eventsByTag(String tag, Offset offset) {
            Source<EventEnvelope, NotUsed> live = journal.eventsByTag(tag, offset);
            if (liveQueries.incrementAndGet() == 1 && failFirstAfter > 0) {
                return live.take(failFirstAfter).concat(Source.failed(new IllegalStateException("journal hiccup")));
            }
            return live;
        }

        @Override
        public Source<EventEnvelope, NotUsed> currentEventsByTag(String tag, Offset offset) {
            return journal.currentEventsByTag(tag, offset);
        }
    }

    /** One running subscription, collecting the offsets it receives. */
    private record Subscriber(long after, ConcurrentLinkedQueue<Long> received, UniqueKillSwitch stop,
                              CompletionStage<Done> done) {
        static Subscriber of(JournalEventFeed feed, long after) {
            ConcurrentLinkedQueue<Long> received = new ConcurrentLinkedQueue<>();
            var running = feed.after(after).viaMat(KillSwitches.single(), Keep.right())
                    .toMat(Sink.foreach(e -> received.add(e.offset())), Keep.both())
                    .run(kit.system());
            return new Subscriber(after, received, running.first(), running.second());
        }
    }

    private static ActorRef<Writer.Write> writer() {
        return kit.spawn(Writer.create("w" + writers.incrementAndGet()));
    }

    private static void write(ActorRef<Writer.Write> writer, int events) throws Exception {
        for (int i = 0; i < events; i++) {
            AskPattern.<Writer.Write, Done>ask(writer, Writer.Write::new, Duration.ofSeconds(10),
                    kit.system().scheduler()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static List<Long> storedOffsets() throws Exception {
        return journal.currentEventsByTag(Vm.TAG, Offset.noOffset())
                .map(env -> ((Sequence) env.offset()).value())
                .runWith(Sink.seq(), kit.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static void await(BooleanSupplier condition, long millis, String what) throws InterruptedException {
        long until = System.currentTimeMillis() + millis;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < until, "timed out waiting: " + what);
            Thread.sleep(20);
        }
    }

    @Test
    void subscribersAtManyOffsetsEachGetEveryLaterEventOnceInOrderWhileEventsAreWritten() throws Exception {
        write(writer(), 30);
        CountingJournal counting = new CountingJournal(0);
        JournalEventFeed feed = new JournalEventFeed(kit.system(), counting, id -> id, 1024);
        List<CompletableFuture<Void>> writing = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            ActorRef<Writer.Write> writer = writer();
            writing.add(CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < 40; i++) {
                        write(writer, 1);
                        Thread.sleep(5);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        Random random = new Random(7);
        List<Subscriber> subscribers = new ArrayList<>();
        for (int s = 0; s < 40; s++) {
            List<Long> sofar = storedOffsets();
            long after = s % 4 == 0 ? 0 : sofar.get(random.nextInt(sofar.size()));
            subscribers.add(Subscriber.of(feed, after));
            Thread.sleep(random.nextInt(15));
        }
        CompletableFuture.allOf(writing.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        List<Long> all = storedOffsets();
        long newest = all.get(all.size() - 1);
        try {
            for (Subscriber s : subscribers) {
                await(() -> s.received().contains(newest), 10_000, "subscriber after " + s.after());
            }
            Thread.sleep(300);
            for (Subscriber s : subscribers) {
                List<Long> expected = all.stream().filter(offset -> offset > s.after()).toList();
                assertEquals(expected, List.copyOf(s.received()), "subscriber after " + s.after());
            }
            assertEquals(1, counting.liveQueries.get(), "one live journal query for " + subscribers.size());
        } finally {
            subscribers.forEach(s -> s.stop().shutdown());
        }
        await(() -> feed.liveSubscribers() == 0, 5000, "finished subscribers unregister");
    }

    @Test
    void aStalledSubscriberIsCutOffWhileOthersGetEveryEvent() throws Exception {
        ActorRef<Writer.Write> writer = writer();
        write(writer, 1);
        long start = storedOffsets().get(storedOffsets().size() - 1);
        JournalEventFeed feed = new JournalEventFeed(kit.system(), new CountingJournal(0), id -> id, 16);
        CompletionStage<Done> stalled = feed.after(start)
                .mapAsync(1, e -> new CompletableFuture<Done>())
                .runWith(Sink.ignore(), kit.system());
        Subscriber healthy = Subscriber.of(feed, start);
        await(() -> feed.liveSubscribers() == 2, 5000, "both subscribers caught up");
        try {
            write(writer, 100);
            List<Long> written = storedOffsets().stream().filter(offset -> offset > start).toList();
            await(() -> healthy.received().size() == written.size(), 10_000, "the healthy subscriber's events");
            assertEquals(written, List.copyOf(healthy.received()));
            ExecutionException cutOff = assertThrows(ExecutionException.class,
                    () -> stalled.toCompletableFuture().get(5, TimeUnit.SECONDS));
            assertInstanceOf(BufferOverflowException.class, cutOff.getCause());
            await(() -> feed.liveSubscribers() == 1, 5000, "the cut-off subscriber is dropped");
        } finally {
            healthy.stop().shutdown();
        }
    }

    @Test
    void aFirstSubscriberWithAnOffsetBeyondTheJournalDoesNotMakeTheSharedQuerySkipEvents() throws Exception {
        ActorRef<Writer.Write> writer = writer();
        write(writer, 1);
        long newest = storedOffsets().get(storedOffsets().size() - 1);
        JournalEventFeed feed = new JournalEventFeed(kit.system(), new CountingJournal(0), id -> id, 1024);
        Subscriber fromTheFuture = Subscriber.of(feed, newest + 1_000_000);
        await(() -> feed.liveSubscribers() == 1, 5000, "the first subscriber started the shared query");
        Subscriber caughtUp = Subscriber.of(feed, newest);
        await(() -> feed.liveSubscribers() == 2, 5000, "the second subscriber caught up");
        try {
            write(writer, 5);
            List<Long> written = storedOffsets().stream().filter(offset -> offset > newest).toList();
            await(() -> caughtUp.received().size() >= written.size(), 10_000, "live events");
            assertEquals(written, List.copyOf(caughtUp.received()));
            assertTrue(fromTheFuture.received().isEmpty());
        } finally {
            fromTheFuture.stop().shutdown();
            caughtUp.stop().shutdown();
        }
    }

    @Test
    void aFailedLiveQueryIsRestartedWithoutLosingOrRepeatingEvents() throws Exception {
        ActorRef<Writer.Write> writer = writer();
        write(writer, 1);
        long start = storedOffsets().get(storedOffsets().size() - 1);
        CountingJournal failing = new CountingJournal(3);
        JournalEventFeed feed = new JournalEventFeed(kit.system(), failing, id -> id, 1024);
        Subscriber subscriber = Subscriber.of(feed, start);
        await(() -> feed.liveSubscribers() == 1, 5000, "caught up");
        try {
            write(writer, 10);
            List<Long> written = storedOffsets().stream().filter(offset -> offset > start).toList();
            await(() -> subscriber.received().size() >= written.size(), 10_000, "events after the restart");
            Thread.sleep(200);
            assertEquals(written, List.copyOf(subscriber.received()));
            assertEquals(2, failing.liveQueries.get(), "the failed live query was restarted once");
            assertFalse(subscriber.done().toCompletableFuture().isDone(), "the subscriber was not cut off");
        } finally {
            subscriber.stop().shutdown();
        }
    }
}
