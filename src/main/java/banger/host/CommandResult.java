package banger.host;

import java.util.List;

/** What an external program did: its argv, exit code and captured output. */
public record CommandResult(List<String> argv, int exitCode, String stdout, String stderr) {

    public boolean ok() {
        return exitCode == 0;
    }

    /** Throws a {@link HostCommandException} naming the program and its stderr unless it exited 0. */
    public CommandResult orThrow() {
        if (!ok()) {
            throw new HostCommandException(
                    String.join(" ", argv) + " exited " + exitCode + ": " + tail(stderr.isBlank() ? stdout : stderr));
        }
        return this;
    }

    private static String tail(String s) {
        String t = s.strip();
        return t.length() <= 2000 ? t : "..." + t.substring(t.length() - 2000);
    }
}
