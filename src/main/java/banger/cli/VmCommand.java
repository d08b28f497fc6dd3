package banger.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** `banger vm ...`: the VM commands. */
@Command(name = "vm",
        description = "Create, control and inspect VMs.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {VmCreateCommand.class, VmLifecycleCommands.Start.class, VmLifecycleCommands.Stop.class,
                VmLifecycleCommands.Restart.class, VmLifecycleCommands.Kill.class, VmLifecycleCommands.Remove.class,
                VmSetCommand.class, VmListCommand.class, VmShowCommand.class, VmLogsCommand.class,
                VmHistoryCommand.class, VmExecCommand.class, VmSshCommand.class, VmCopyCommand.class,
                VmPortsCommand.class, VmRunCommand.class, VmForwardCommand.class, VmPauseCommands.Pause.class,
                VmPauseCommands.Resume.class, VmSuspendCommand.class})
final class VmCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand");
    }
}
