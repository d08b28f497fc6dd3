package banger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * `banger console`: prints the ops console's address with a one-time login code in its fragment (a fragment never
 * reaches server logs or Referer headers); the page trades the code for a session cookie. On a desktop session
 * (DISPLAY or WAYLAND_DISPLAY set) it also tries {@code xdg-open}.
 */
@Command(name = "console",
        description = "Print the address of the daemon's web console, with a one-time login code (valid briefly),"
                + " and try to open it in a browser on a desktop session.")
final class ConsoleCommand extends ApiCommand {

    private static final String CONSOLE_CODES = "/v1/console/codes";
    private static final long OPENER_WAIT_SECONDS = 5;

    @Option(names = "--no-open", description = "Only print the address; do not try to open a browser.")
    boolean noOpen;

    @Override
    public Integer call() {
        JsonNode code = api().send("POST", CONSOLE_CODES, null, ApiClient.READ_TIMEOUT);
        URI url = root().baseUrl().resolve(code.path("path").asText("/"));
        out().println(url);
        out().flush();
        if (!noOpen && opened(url)) {
            err().println("opened in your browser; the code works once, until " + code.path("expires_at").asText());
        } else {
            err().println("open it in a browser before " + code.path("expires_at").asText()
                    + "; the code works once");
        }
        err().flush();
        return 0;
    }

    /** Asks the desktop's opener for the address; false where there is no desktop, no opener, or it failed. */
    private static boolean opened(URI url) {
        boolean desktop = !System.getenv().getOrDefault("DISPLAY", "").isEmpty()
                || !System.getenv().getOrDefault("WAYLAND_DISPLAY", "").isEmpty();
        Path xdgOpen = desktop ? onPath("xdg-open") : null;
        if (xdgOpen == null) {
            return false;
        }
        try {
            Process opener = new ProcessBuilder(xdgOpen.toString(), url.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            // some openers stay in the foreground with the browser: that counts as opened and is left running
            return !opener.waitFor(OPENER_WAIT_SECONDS, TimeUnit.SECONDS) || opener.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Path onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
