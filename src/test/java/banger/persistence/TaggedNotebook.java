package banger.persistence;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/** A small event-sourced actor for the tests: it appends notes, tagging every event with the given tags. */
final class TaggedNotebook extends EventSourcedBehavior<TaggedNotebook.Command, TaggedNotebook.NoteAdded, List<String>> {

    sealed interface Command {
    }

    /** Persists the note; replies with how many notes there are now. */
    record AddNote(String text, ActorRef<StatusReply<Integer>> replyTo) implements Command {
    }

    record GetNotes(ActorRef<List<String>> replyTo) implements Command {
    }

    record NoteAdded(String text) implements JsonSerializable {
    }

    private final Set<String> tags;

    private TaggedNotebook(String persistenceId, Set<String> tags) {
        super(PersistenceId.ofUniqueId(persistenceId));
        this.tags = tags;
    }

    static Behavior<Command> create(String persistenceId, Set<String> tags) {
        return new TaggedNotebook(persistenceId, tags);
    }

    @Override
    public List<String> emptyState() {
        return List.of();
    }

    @Override
    public CommandHandler<Command, NoteAdded, List<String>> commandHandler() {
        return newCommandHandlerBuilder().forAnyState()
                .onCommand(AddNote.class, (notes, add) -> Effect()
                        .persist(new NoteAdded(add.text()))
                        .thenReply(add.replyTo(), after -> StatusReply.success(after.size())))
                .onCommand(GetNotes.class, (notes, get) -> Effect().reply(get.replyTo(), notes))
                .build();
    }

    @Override
    public EventHandler<List<String>, NoteAdded> eventHandler() {
        return newEventHandlerBuilder().forAnyState()
                .onEvent(NoteAdded.class, (notes, added) -> {
                    List<String> next = new ArrayList<>(notes);
                    next.add(added.text());
                    return List.copyOf(next);
                })
                .build();
    }

    @Override
    public Set<String> tagsFor(NoteAdded event) {
        return tags;
    }
}
