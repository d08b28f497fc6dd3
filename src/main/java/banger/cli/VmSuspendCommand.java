package banger.cli;

import picocli.CommandLine.Command;

/** `banger vm suspend VM...`: save running or paused VMs to disk and end their VMMs; `vm start` resumes them. */
@Command(name = "suspend", description = "Save running or paused VMs to disk (memory and device state beside the "
        + "disk) and end their VMMs, freeing their memory; `vm start` resumes them where they were. Waits until "
        + "they are suspended.")
final class VmSuspendCommand extends VmLifecycleCommands.ActionCommand {

    VmSuspendCommand() {
        super("suspending", "suspend");
    }
}
