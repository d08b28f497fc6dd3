package banger.guest;

import banger.api.ExecResult;
import banger.api.GuestExec;
import banger.vm.RequestRejected;
import banger.vm.VmControl;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** Runs commands in a running VM's guest over SSH with the daemon's key, on the blocking executor. */
public final class SshGuestExec implements GuestExec {

    private final VmControl control;
    private final GuestSsh ssh;
    private final Executor blocking;

    public SshGuestExec(VmControl control, GuestSsh ssh, Executor blocking) {
        this.control = control;
        this.ssh = ssh;
        this.blocking = blocking;
    }

    @Override
    public CompletionStage<ExecResult> exec(String ref, List<String> argv, byte[] stdin, Duration timeout) {
        return control.get(ref).thenCompose(vm -> {
            if (!"running".equals(vm.state())) {
                throw new RequestRejected(RequestRejected.Reason.CONFLICT,
                        "VM " + vm.name() + " is " + vm.state() + "; start it to run commands");
            }
            if (vm.address() == null) {
                throw new RequestRejected(RequestRejected.Reason.CONFLICT,
                        "VM " + vm.name() + " has no guest network address (daemon runs without network)");
            }
            return CompletableFuture.supplyAsync(() -> {
                banger.guest.ExecResult r = ssh.exec(vm.address(), 22, argv, stdin, timeout);
                return new ExecResult(r.stdoutText(), r.stderrText(), r.exitCode());
            }, blocking);
        });
    }
}
