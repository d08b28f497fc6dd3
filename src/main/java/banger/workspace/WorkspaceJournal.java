package banger.workspace;

import banger.vm.VmEvent;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/** Where a VM's workspace record lives: WorkspacePrepared / WorkspaceExported events in the VM's journal. */
public interface WorkspaceJournal {

    /** Journals {@code event} (a workspace event) in VM {@code vmId}'s history. */
    CompletionStage<Done> record(String vmId, VmEvent event);

    /** The VM's latest WorkspacePrepared, and the latest WorkspaceExported after it. */
    CompletionStage<Record> latest(String vmId);

    record Record(Optional<VmEvent.WorkspacePrepared> prepared, Optional<VmEvent.WorkspaceExported> exported) {
    }
}
