package banger.exec;

import banger.guest.HostKeyMismatchException;
import banger.guest.ExecResult;
import banger.guest.GuestSsh;
import banger.exec.ExecOutput;
import banger.exec.GuestExec;
import banger.core.Rejected;
import banger.core.Rejection;
import banger.vm.VmControl;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Runs commands in a running VM's guest over SSH with the daemon's key, on the guest I/O executor, keeping at
 * most {@code maxOutputBytes} of each output stream.
 */
public final class SshGuestExec implements GuestExec {

    private final VmControl control;
    private final GuestSsh ssh;
    private final Executor guestIo;
    private final int port;
    private final long maxOutputBytes;

    /**
     * @param guestIo        where the SSH calls block ({@link GuestIoExecutor}); a refusal there fails the stage
     * @param port           the guests' SSH port (22)
     * @param maxOutputBytes config banger.exec.max-output-bytes
     */
    public SshGuestExec(VmControl control, GuestSsh ssh, Executor guestIo, int port, long maxOutputBytes) {
        this.control = control;
        this.ssh = ssh;
        this.guestIo = guestIo;
        this.port = port;
        this.maxOutputBytes = maxOutputBytes;
    }

    @Override
    public CompletionStage<ExecOutput> exec(String ref, List<String> argv, byte[] stdin, Duration timeout) {
        return control.get(ref).thenCompose(vm -> {
            if (!"running".equals(vm.state())) {
                throw new Rejected(Rejection.Reason.CONFLICT,
                        "VM " + vm.name() + " is " + vm.state() + "; start it to run commands");
            }
            if (vm.address() == null) {
                throw new Rejected(Rejection.Reason.CONFLICT,
                        "VM " + vm.name() + " has no guest network address (daemon runs without network)");
            }
            return CompletableFuture.supplyAsync(() -> {
                banger.guest.ExecResult r;
                try {
                    r = ssh.exec(vm.address(), port, argv, stdin, timeout, maxOutputBytes);
                } catch (HostKeyMismatchException e) {
                    throw new Rejected(Rejection.Reason.OPERATION_FAILED,
                            "VM " + vm.name() + ": " + e.getMessage());
                }
                return new ExecOutput(r.stdoutText(), r.stderrText(), r.exitCode(), r.truncated());
            }, guestIo);
        });
    }
}
