package banger.launcher;

import banger.cli.BangerCli;
import banger.cli.CliEnvironment;
import banger.daemon.Daemon;

/** The `banger` program: the CLI, with `banger daemon` running the daemon in this JVM. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(BangerCli.commandLine(CliEnvironment.system(Daemon::runUntilStopped)).execute(args));
    }
}
