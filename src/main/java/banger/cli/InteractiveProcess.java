package banger.cli;

import java.io.IOException;
import java.util.List;

/** Runs a program that talks to the user directly: it inherits this process's terminal. */
@FunctionalInterface
public interface InteractiveProcess {

    /**
     * Interactive sessions have no natural end, so unlike the daemon's HostCommands this has no timeout:
     * the user ends it.
     */
    InteractiveProcess INHERIT_IO = argv -> {
        Process process = new ProcessBuilder(argv).inheritIO().start();
        return process.waitFor();
    };

    int run(List<String> argv) throws IOException, InterruptedException;
}
