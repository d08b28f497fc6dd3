package banger.exec;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** Runs a command inside a VM's guest (over SSH in the daemon) for POST /v1/vms/{ref}/exec. */
public interface GuestExec {

    /**
     * Runs {@code argv} in the guest of VM {@code ref} (id or name), feeding it {@code stdin}. The stage fails
     * with {@link banger.core.Rejected} for refusals the client caused (unknown VM, VM not running).
     */
    CompletionStage<ExecOutput> exec(String ref, List<String> argv, byte[] stdin, Duration timeout);
}
