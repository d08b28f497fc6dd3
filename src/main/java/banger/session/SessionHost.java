package banger.session;

import banger.vm.VmEvent;
import banger.wire.VmView;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/** What a VM's sessions need from the rest of the daemon: the VM's state and its journal. Never blocks. */
public interface SessionHost {

    /** The VM now; fails with Rejected NOT_FOUND once it is gone. */
    CompletionStage<VmView> vm(String vmId);

    /** Journals a session event in the VM's history (and so on /v1/events). */
    CompletionStage<Done> record(String vmId, VmEvent.SessionEvent event);

    /** The session events the VM's journal holds, oldest first. */
    CompletionStage<List<VmEvent.SessionEvent>> journal(String vmId);
}
