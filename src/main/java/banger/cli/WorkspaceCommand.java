package banger.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** `banger workspace ...`: a host git checkout in a guest, and the guest's work back. */
@Command(name = "workspace",
        description = "Import a git checkout into a VM and bring the guest's commits and changes back.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {WorkspacePrepareCommand.class, WorkspaceExportCommand.class, WorkspaceShowCommand.class})
final class WorkspaceCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand");
    }
}
