package banger.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class SqliteReadJournalTest {

    private static final Path STATE_DIR = TestDatabases.newStateDir();
    // far longer than any wait below: live queries must be woken by the journal's commits, not by polling
    private static final ActorTestKit testKit = ActorTestKit.create("SqliteReadJournalTest",
            TestDatabases.configFor(STATE_DIR, "banger.persistence.query.refresh-interval = 60s"));
    private static final SqliteReadJournal readJournal = PersistenceQuery.get(testKit.system())
            .getReadJournalFor(SqliteReadJournal.class, SqliteReadJournal.IDENTIFIER);
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);

    @AfterAll
    static void shutDown() {
        testKit.shutdownTestKit();
        TestDatabases.deleteRecursively(STATE_DIR);
    }

    @Test
    void liveEventsByTagDeliversEventsPersistedAfterTheQueryStartedInOrder() throws Exception {
        CompletionStage<List<EventEnvelope>> received = readJournal.eventsByTag("live", Offset.noOffset())
                .take(5)
                .runWith(Sink.seq(), testKit.system());
        ActorRef<TaggedNotebook.Command> notebook = spawnNotebook("live-1", Set.of("live"));
        for (int i = 1; i <= 5; i++) {
            addNote(notebook, "note-" + i);
        }

        List<EventEnvelope> events = received.toCompletableFuture().get(5, TimeUnit.SECONDS);

        assertEquals(List.of("note-1", "note-2", "note-3", "note-4", "note-5"), texts(events));
        assertStrictlyIncreasing(offsets(events));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), events.stream().map(EventEnvelope::sequenceNr).toList());
    }

    @Test
    void resumingFromAnOffsetYieldsExactlyTheLaterEvents() throws Exception {
        ActorRef<TaggedNotebook.Command> notebook = spawnNotebook("resume-1", Set.of("resume"));
        for (int i = 1; i <= 6; i++) {
            addNote(notebook, "note-" + i);
        }
        List<EventEnvelope> all = currentByTag("resume", Offset.noOffset());

        List<EventEnvelope> afterThird = currentByTag("resume", all.get(2).offset());

        assertEquals(6, all.size());
        assertEquals(List.of("note-4", "note-5", "note-6"), texts(afterThird));
        assertEquals(offsets(all).subList(3, 6), offsets(afterThird));
    }

    @Test
    void liveEventsByTagResumedFromAnOffsetSkipsEarlierEventsAndWaitsForNewOnes() throws Exception {
        ActorRef<TaggedNotebook.Command> notebook = spawnNotebook("resume-live-1", Set.of("resume-live"));
        addNote(notebook, "old-1");
        addNote(notebook, "old-2");
        Offset lastSeen = currentByTag("resume-live", Offset.noOffset()).get(1).offset();
        CompletionStage<List<EventEnvelope>> received = readJournal.eventsByTag("resume-live", lastSeen)
                .take(1)
                .runWith(Sink.seq(), testKit.system());

        addNote(notebook, "new-1");

        assertEquals(List.of("new-1"), texts(received.toCompletableFuture().get(5, TimeUnit.SECONDS)));
    }

    @Test
    void currentEventsByTagCompletesAndSeesOnlyItsTag() throws Exception {
        ActorRef<TaggedNotebook.Command> both = spawnNotebook("tags-both", Set.of("red", "blue"));
        ActorRef<TaggedNotebook.Command> blue = spawnNotebook("tags-blue", Set.of("blue"));
        addNote(both, "red-and-blue");
        addNote(blue, "only-blue");

        assertEquals(List.of("red-and-blue"), texts(currentByTag("red", Offset.noOffset())));
        assertEquals(List.of("red-and-blue", "only-blue"), texts(currentByTag("blue", Offset.noOffset())));
        assertEquals(List.of(), currentByTag("no-such-tag", Offset.noOffset()));
    }

    @Test
    void eventsByPersistenceIdReturnsTheRequestedRangeAndLiveQueriesEndAtTheUpperBound() throws Exception {
        ActorRef<TaggedNotebook.Command> notebook = spawnNotebook("by-id-1", Set.of());
        addNote(notebook, "a");
        addNote(notebook, "b");
        addNote(notebook, "c");

        List<EventEnvelope> middle = readJournal.currentEventsByPersistenceId("by-id-1", 2, 3)
                .runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(5, TimeUnit.SECONDS);
        CompletionStage<List<EventEnvelope>> live = readJournal.eventsByPersistenceId("by-id-1", 3, 4)
                .runWith(Sink.seq(), testKit.system());
        addNote(notebook, "d");
        addNote(notebook, "e");

        assertEquals(List.of("b", "c"), texts(middle));
        assertEquals(List.of("c", "d"), texts(live.toCompletableFuture().get(5, TimeUnit.SECONDS)));
    }

    @Test
    void persistenceIdQueriesListEveryWriter() throws Exception {
        addNote(spawnNotebook("ids-1", Set.of()), "x");
        CompletionStage<List<String>> live = readJournal.persistenceIds()
                .filter(id -> id.startsWith("ids-"))
                .take(2)
                .runWith(Sink.seq(), testKit.system());
        addNote(spawnNotebook("ids-2", Set.of()), "y");

        List<String> current = readJournal.currentPersistenceIds()
                .runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(5, TimeUnit.SECONDS);

        assertTrue(current.containsAll(List.of("ids-1", "ids-2")), current.toString());
        assertEquals(current.size(), Set.copyOf(current).size(), "no duplicates: " + current);
        assertEquals(List.of("ids-1", "ids-2"), live.toCompletableFuture().get(5, TimeUnit.SECONDS));
    }

    @Test
    void aRestartedActorRecoversItsEventsFromTheJournal() throws Exception {
        ActorRef<TaggedNotebook.Command> first = spawnNotebook("recover-1", Set.of());
        addNote(first, "kept-1");
        addNote(first, "kept-2");
        testKit.stop(first);

        ActorRef<TaggedNotebook.Command> second = spawnNotebook("recover-1", Set.of());
        List<String> notes = AskPattern.<TaggedNotebook.Command, List<String>>ask(
                        second, TaggedNotebook.GetNotes::new, ASK_TIMEOUT, testKit.scheduler())
                .toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertEquals(List.of("kept-1", "kept-2"), notes);
    }

    @Test
    void manyActorsPersistingConcurrentlyAllSucceedWithUniqueOrderedOffsets() throws Exception {
        int actors = Integer.getInteger("banger.test.actors", 50);
        int eventsEach = Integer.getInteger("banger.test.eventsEach", 20);
        List<ActorRef<TaggedNotebook.Command>> notebooks = IntStream.range(0, actors)
                .mapToObj(i -> spawnNotebook("load-" + i, Set.of("load")))
                .toList();

        // the first note of each actor (recovery included) is not timed: the figure is steady-state throughput
        CompletableFuture.allOf(notebooks.stream().map(notebook -> askAddNote(notebook, "round-1"))
                .toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        long started = System.nanoTime();
        List<CompletableFuture<Integer>> replies = new ArrayList<>();
        for (int round = 2; round <= eventsEach; round++) {
            for (ActorRef<TaggedNotebook.Command> notebook : notebooks) {
                replies.add(askAddNote(notebook, "round-" + round));
            }
        }
        CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("persisted %d events from %d concurrent actors in %.2f s: %.0f events/s%n",
                actors * (eventsEach - 1), actors, seconds, actors * (eventsEach - 1) / seconds);

        List<EventEnvelope> events = currentByTag("load", Offset.noOffset());
        assertEquals(actors * eventsEach, events.size());
        assertStrictlyIncreasing(offsets(events));
        for (int i = 0; i < actors; i++) {
            String id = "load-" + i;
            List<Long> sequenceNrs = events.stream()
                    .filter(event -> event.persistenceId().equals(id))
                    .map(EventEnvelope::sequenceNr)
                    .toList();
            assertEquals(LongStream.rangeClosed(1, eventsEach).boxed().toList(), sequenceNrs, id);
        }
    }

    private static ActorRef<TaggedNotebook.Command> spawnNotebook(String persistenceId, Set<String> tags) {
        return testKit.spawn(TaggedNotebook.create(persistenceId, tags));
    }

    private static void addNote(ActorRef<TaggedNotebook.Command> notebook, String text) throws Exception {
        askAddNote(notebook, text).get(10, TimeUnit.SECONDS);
    }

    private static CompletableFuture<Integer> askAddNote(ActorRef<TaggedNotebook.Command> notebook, String text) {
        return AskPattern.<TaggedNotebook.Command, Integer>askWithStatus(
                        notebook, replyTo -> new TaggedNotebook.AddNote(text, replyTo), ASK_TIMEOUT,
                        testKit.scheduler())
                .toCompletableFuture();
    }

    private static List<EventEnvelope> currentByTag(String tag, Offset offset) throws Exception {
        return readJournal.currentEventsByTag(tag, offset)
                .runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static List<String> texts(List<EventEnvelope> events) {
        return events.stream().map(event -> ((TaggedNotebook.NoteAdded) event.event()).text()).toList();
    }

    private static List<Long> offsets(List<EventEnvelope> events) {
        return events.stream().map(event -> ((Sequence) event.offset()).value()).toList();
    }

    private static void assertStrictlyIncreasing(List<Long> values) {
        for (int i = 1; i < values.size(); i++) {
            assertTrue(values.get(i) > values.get(i - 1), "not strictly increasing at " + i + ": " + values);
        }
    }
}
