package banger.session;

import banger.vm.Vm;
import banger.vm.VmCommand;
import banger.vm.VmControl;
import banger.vm.VmEvent;
import banger.vm.VmFleet;
import banger.wire.VmView;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;

/** {@link SessionHost} as asks to the fleet and the VM actor, and a read of the VM's journal. */
public final class FleetSessionHost implements SessionHost {

    private final ActorSystem<?> system;
    private final VmControl control;
    private final ActorRef<VmFleet.Command> fleet;
    private final CurrentEventsByPersistenceIdQuery journal;
    private final Duration askTimeout;

    public FleetSessionHost(ActorSystem<?> system, VmControl control, ActorRef<VmFleet.Command> fleet,
                            String readJournalId, Duration askTimeout) {
        this.system = system;
        this.control = control;
        this.fleet = fleet;
        this.journal = PersistenceQuery.get(system).getReadJournalFor(CurrentEventsByPersistenceIdQuery.class,
                readJournalId);
        this.askTimeout = askTimeout;
    }

    @Override
    public CompletionStage<VmView> vm(String vmId) {
        return control.get(vmId);
    }

    @Override
    public CompletionStage<Done> record(String vmId, VmEvent.SessionEvent event) {
        CompletionStage<ActorRef<VmCommand>> vm = AskPattern.askWithStatus(fleet,
                r -> new VmFleet.Resolve(vmId, r), askTimeout, system.scheduler());
        return vm.thenCompose(actor -> AskPattern.<VmCommand, Done>askWithStatus(actor,
                r -> new VmCommand.RecordSession(event, r), askTimeout, system.scheduler()));
    }

    @Override
    public CompletionStage<List<VmEvent.SessionEvent>> journal(String vmId) {
        return journal.currentEventsByPersistenceId(Vm.persistenceId(vmId).id(), 0L, Long.MAX_VALUE)
                .map(env -> env.event())
                .filter(e -> e instanceof VmEvent.SessionEvent)
                .map(e -> (VmEvent.SessionEvent) e)
                .runWith(Sink.seq(), system);
    }
}
