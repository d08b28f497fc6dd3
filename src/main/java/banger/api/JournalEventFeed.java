package banger.api;

import banger.vm.HistoryEntry;
import banger.vm.Vm;
import banger.vm.VmEvent;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.persistence.query.javadsl.EventsByTagQuery;
import org.apache.pekko.stream.javadsl.Source;

/** The event stream's source: every VM event from the journal's "vm" tag, resumable by its durable offset. */
public final class JournalEventFeed implements EventFeed {

    private final EventsByTagQuery journal;
    private final Function<String, String> nameOfVm;

    /** @param nameOfVm the VM name for an id, or null when unknown */
    public JournalEventFeed(EventsByTagQuery journal, Function<String, String> nameOfVm) {
        this.journal = journal;
        this.nameOfVm = nameOfVm;
    }

    @Override
    public Source<FeedEvent, NotUsed> after(long offsetExclusive) {
        Offset from = offsetExclusive <= 0 ? Offset.noOffset() : Offset.sequence(offsetExclusive);
        return journal.eventsByTag(Vm.TAG, from)
                .filter(env -> env.event() instanceof VmEvent)
                .map(this::toFeedEvent);
    }

    private FeedEvent toFeedEvent(EventEnvelope env) {
        String persistenceId = env.persistenceId();
        String vmId = persistenceId.substring(persistenceId.indexOf('|') + 1);
        HistoryEntry h = HistoryEntry.of(env.sequenceNr(), env.event());
        String name = env.event() instanceof VmEvent.Created c ? c.spec().name() : nameOfVm.apply(vmId);
        return new FeedEvent(((Sequence) env.offset()).value(), vmId, name, h.type(), h.at(), h.data());
    }
}
