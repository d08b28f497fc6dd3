package banger.cli;

import picocli.CommandLine.Command;

/** `banger vm pause|resume VM...`: freeze a running guest in memory, and let it run on. */
final class VmPauseCommands {

    private VmPauseCommands() {
    }

    @Command(name = "pause", description = "Freeze running VMs: their vCPUs stop; memory and network identity stay.")
    static final class Pause extends VmLifecycleCommands.ActionCommand {
        Pause() {
            super("pausing", "pause");
        }
    }

    @Command(name = "resume", description = "Let paused VMs run on from where they were.")
    static final class Resume extends VmLifecycleCommands.ActionCommand {
        Resume() {
            super("resuming", "resume");
        }
    }
}
