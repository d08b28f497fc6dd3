package banger.cli;

import banger.wire.OperationView;
import banger.wire.VmView;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jline.utils.Signals;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * `banger vm start|stop|restart|kill|rm NAME...`: one lifecycle request per VM, in the order given. Start, stop,
 * restart and rm are operations in the daemon: the command waits for each (Ctrl-C offers to cancel it), or with
 * --no-wait prints the operation and goes on.
 */
final class VmLifecycleCommands {

    private VmLifecycleCommands() {
    }

    /** Goes on with the next VM when one fails, and exits 1 if any did. */
    abstract static class LifecycleCommand extends ApiCommand {

        @Parameters(arity = "1..*", paramLabel = "NAME", description = "VM names or ids.")
        private List<String> refs;

        private final String verb;

        LifecycleCommand(String verb) {
            this.verb = verb;
        }

        /** Runs the call on one VM; answers the line to print ("NAME STATE"), or null when it printed itself. */
        abstract String run(String ref);

        @Override
        public Integer call() {
            int failures = 0;
            for (String ref : refs) {
                try {
                    String line = run(ref);
                    if (line != null) {
                        out().println(line);
                        out().flush();
                    }
                } catch (CliError e) {
                    err().println("banger: " + e.getMessage());
                    err().flush();
                    failures++;
                }
            }
            return failures == 0 ? 0 : 1;
        }

        String verb() {
            return verb;
        }
    }

    /**
     * A lifecycle call the daemon runs as an operation: sent without waiting, then followed to its end behind a
     * progress line. With --no-wait the operation is printed ("ID KIND VM STATE") instead.
     */
    abstract static class OperationCommand extends LifecycleCommand {

        @Option(names = "--no-wait", description = "Print the operation (ID KIND VM STATE) and return at once; "
                + "follow it with `banger op show ID`.")
        private boolean noWait;

        OperationCommand(String verb) {
            super(verb);
        }

        abstract String method();

        abstract String path(String ref);

        @Override
        String run(String ref) {
            OperationView op = api().convert(api().send(method(), path(ref), null, ApiClient.READ_TIMEOUT),
                    OperationView.class);
            if (noWait) {
                out().println(op.id() + " " + op.kind() + " " + op.vm() + " " + op.state());
                out().flush();
                return null;
            }
            Progress progress = Progress.start(err(), verb() + " " + ref, root().environment().clock());
            OperationView done;
            try {
                done = whileCtrlCAsks(interrupted -> new OperationFollower(api(), err(),
                        () -> answers(), interrupted).follow(op));
            } catch (OperationFollower.Detached | CliError e) {
                progress.failed();
                throw e instanceof CliError c ? c : new CliError(e.getMessage());
            }
            switch (done.state()) {
                case "succeeded" -> progress.done();
                case "cancelled" -> {
                    progress.end("cancelled");
                    throw new CliError(OperationFollower.describe(done) + " was cancelled");
                }
                default -> {
                    progress.failed();
                    throw new CliError(done.error() == null ? OperationFollower.describe(done) + " " + done.state()
                            : done.error().code() + ": " + done.error().message());
                }
            }
            return finalState(done);
        }

        /** "NAME STATE" of the VM as the operation left it. */
        String finalState(OperationView done) {
            VmView vm = api().convert(api().get(ApiPaths.vm(done.vmId())), VmView.class);
            return vm.name() + " " + vm.state();
        }

        private BufferedReader answers;

        private BufferedReader answers() {
            if (answers == null) {
                answers = new BufferedReader(new InputStreamReader(root().environment().stdin(),
                        StandardCharsets.UTF_8));
            }
            return answers;
        }

        /** Runs {@code body} with Ctrl-C setting its flag (instead of ending the CLI), then puts Ctrl-C back. */
        private static <T> T whileCtrlCAsks(java.util.function.Function<AtomicBoolean, T> body) {
            AtomicBoolean interrupted = new AtomicBoolean();
            Object previous = Signals.register("INT", () -> interrupted.set(true));
            try {
                return body.apply(interrupted);
            } finally {
                Signals.unregister("INT", previous);
            }
        }
    }

    /** A lifecycle operation that is one POST to the VM's {@code action}. */
    abstract static class ActionCommand extends OperationCommand {

        private final String action;

        ActionCommand(String verb, String action) {
            super(verb);
            this.action = action;
        }

        @Override
        String method() {
            return "POST";
        }

        @Override
        String path(String ref) {
            return ApiPaths.vm(ref, action);
        }
    }

    @Command(name = "start", description = "Boot stopped VMs, or resume suspended ones from their saved state (a "
            + "state that cannot be used boots cold, and `vm show` says why); waits until they are running (Ctrl-C "
            + "offers to cancel: the VM is left stopped).")
    static final class Start extends ActionCommand {
        Start() {
            super("starting", "start");
        }
    }

    @Command(name = "stop", description = "Shut VMs down gracefully (then forcibly, if they do not stop).")
    static final class Stop extends ActionCommand {
        Stop() {
            super("stopping", "stop");
        }
    }

    @Command(name = "restart", description = "Stop and start VMs (Ctrl-C offers to cancel: the VM is left stopped).")
    static final class Restart extends ActionCommand {
        Restart() {
            super("restarting", "restart");
        }
    }

    @Command(name = "kill", description = "Stop VMs at once, without a graceful shutdown.")
    static final class Kill extends LifecycleCommand {
        Kill() {
            super("killing");
        }

        @Override
        String run(String ref) {
            var answer = withProgress(verb() + " " + ref,
                    () -> api().send("POST", ApiPaths.vm(ref, "kill"), null, ApiClient.LIFECYCLE_TIMEOUT));
            VmView vm = api().convert(answer, VmView.class);
            return vm.name() + " " + vm.state();
        }
    }

    @Command(name = "rm", description = "Delete VMs and their disks.")
    static final class Remove extends OperationCommand {
        Remove() {
            super("removing");
        }

        @Override
        String method() {
            return "DELETE";
        }

        @Override
        String path(String ref) {
            return ApiPaths.vm(ref);
        }

        /** A deleted VM is gone from the API. */
        @Override
        String finalState(OperationView done) {
            return done.vm() + " deleted";
        }
    }
}
