package banger.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** `banger image ...`: the image commands. */
@Command(name = "image",
        description = "List, build, pull, register and remove VM images.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {ImageListCommand.class, ImageBootstrapCommand.class, ImagePullCommand.class,
                ImageRegisterCommand.class, ImageRemoveCommand.class, ImagePromoteCommand.class})
final class ImageCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand");
    }
}
