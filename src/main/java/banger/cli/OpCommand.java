package banger.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** `banger op ...`: the daemon's long-running operations (VM creations). */
@Command(name = "op",
        description = "List, show and cancel operations (VM creates, starts, stops, restarts and deletes).",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {OpCommands.List.class, OpCommands.Show.class, OpCommands.Cancel.class})
final class OpCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand");
    }
}
