package banger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import picocli.CommandLine.Command;

/**
 * `banger console`: prints the ops console's address with a one-time login code in its fragment (a fragment never
 * reaches server logs or Referer headers); the page trades the code for a session cookie.
 */
@Command(name = "console",
        description = "Print the address of the daemon's web console, with a one-time login code (valid briefly).")
final class ConsoleCommand extends ApiCommand {

    private static final String CONSOLE_CODES = "/v1/console/codes";

    @Override
    public Integer call() {
        JsonNode code = api().send("POST", CONSOLE_CODES, null, ApiClient.READ_TIMEOUT);
        URI url = root().baseUrl().resolve(code.path("path").asText("/"));
        out().println(url);
        err().println("open it in a browser before " + code.path("expires_at").asText()
                + "; the code works once");
        out().flush();
        err().flush();
        return 0;
    }
}
