package banger.workspace;

import banger.guest.ExecResult;
import banger.guest.GuestSsh;
import banger.core.Rejected;
import banger.core.Rejection;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** {@link GuestPorts}: the guest prints its socket tables and fd links; the daemon makes sense of them. */
public final class SshGuestPorts implements GuestPorts {

    private final GuestJobs jobs;
    private final GuestShell shell;

    public SshGuestPorts(GuestJobs jobs, GuestSsh ssh, WorkspaceSettings settings) {
        this.jobs = jobs;
        this.shell = new GuestShell(ssh, settings);
    }

    @Override
    public CompletionStage<List<GuestPort>> ports(String ref) {
        return jobs.run(ref, false, "the port listing", target -> abort -> {
            ExecResult r = shell.run(target, GuestScripts.PORTS);
            if (!r.ok()) {
                throw new Rejected(Rejection.Reason.OPERATION_FAILED,
                        "cannot read the sockets of VM " + target.name() + ": " + r.stderrText().strip());
            }
            return PortTable.parse(r.stdoutText());
        });
    }
}
