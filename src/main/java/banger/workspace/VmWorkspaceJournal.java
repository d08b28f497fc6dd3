package banger.workspace;

import banger.vm.Vm;
import banger.vm.VmCommand;
import banger.vm.VmEvent;
import banger.vm.VmFleet;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;

/** {@link WorkspaceJournal} through the VM's own actor (the one writer of its journal) and the read journal. */
public final class VmWorkspaceJournal implements WorkspaceJournal {

    private final ActorSystem<?> system;
    private final ActorRef<VmFleet.Command> fleet;
    private final CurrentEventsByPersistenceIdQuery journal;
    private final Duration askTimeout;

    public VmWorkspaceJournal(ActorSystem<?> system, ActorRef<VmFleet.Command> fleet, String readJournalId,
                              Duration askTimeout) {
        this.system = system;
        this.fleet = fleet;
        this.journal = PersistenceQuery.get(system).getReadJournalFor(CurrentEventsByPersistenceIdQuery.class,
                readJournalId);
        this.askTimeout = askTimeout;
    }

    @Override
    public CompletionStage<Done> record(String vmId, VmEvent event) {
        CompletionStage<ActorRef<VmCommand>> vm = AskPattern.askWithStatus(fleet, r -> new VmFleet.Resolve(vmId, r),
                askTimeout, system.scheduler());
        return vm.thenCompose(actor -> AskPattern.askWithStatus(actor,
                r -> new VmCommand.RecordWorkspace(event, r), askTimeout, system.scheduler()));
    }

    @Override
    public CompletionStage<Record> latest(String vmId) {
        return journal.currentEventsByPersistenceId(Vm.persistenceId(vmId).id(), 0L, Long.MAX_VALUE)
                .map(env -> env.event())
                .runWith(Sink.fold(new Record(Optional.empty(), Optional.empty()), (record, event) -> {
                    if (event instanceof VmEvent.WorkspacePrepared p) {
                        return new Record(Optional.of(p), Optional.empty());
                    }
                    if (event instanceof VmEvent.WorkspaceExported e) {
                        return new Record(record.prepared(), Optional.of(e));
                    }
                    return record;
                }), system);
    }
}
