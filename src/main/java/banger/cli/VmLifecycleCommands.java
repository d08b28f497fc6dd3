package banger.cli;

import banger.vm.VmView;
import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;

/** `banger vm start|stop|restart|kill|rm NAME...`: one lifecycle request per VM, in the order given. */
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

        abstract JsonNode request(String ref);

        @Override
        public Integer call() {
            int failures = 0;
            for (String ref : refs) {
                try {
                    var answer = withProgress(verb + " " + ref, () -> request(ref));
                    VmView vm = api().convert(answer, VmView.class);
                    out().println(vm.name() + " " + vm.state());
                    out().flush();
                } catch (CliError e) {
                    err().println("banger: " + e.getMessage());
                    err().flush();
                    failures++;
                }
            }
            return failures == 0 ? 0 : 1;
        }
    }

    /** A lifecycle command that is one POST to the VM's {@code action}. */
    abstract static class ActionCommand extends LifecycleCommand {

        private final String action;

        ActionCommand(String verb, String action) {
            super(verb);
            this.action = action;
        }

        @Override
        JsonNode request(String ref) {
            return api().send("POST", ApiPaths.vm(ref, action), null, ApiClient.LIFECYCLE_TIMEOUT);
        }
    }

    @Command(name = "start", description = "Boot stopped VMs; waits until they are running.")
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

    @Command(name = "restart", description = "Stop and start VMs.")
    static final class Restart extends ActionCommand {
        Restart() {
            super("restarting", "restart");
        }
    }

    @Command(name = "kill", description = "Stop VMs at once, without a graceful shutdown.")
    static final class Kill extends ActionCommand {
        Kill() {
            super("killing", "kill");
        }
    }

    @Command(name = "rm", description = "Delete VMs and their disks.")
    static final class Remove extends LifecycleCommand {
        Remove() {
            super("removing");
        }

        @Override
        JsonNode request(String ref) {
            return api().send("DELETE", ApiPaths.vm(ref), null, ApiClient.LIFECYCLE_TIMEOUT);
        }
    }
}
