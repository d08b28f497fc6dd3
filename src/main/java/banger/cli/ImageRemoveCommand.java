package banger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** `banger image rm NAME`: removes an image and its files; refused while a VM uses it. */
@Command(name = "rm", description = "Remove an image and its files (refused while any VM uses it).")
final class ImageRemoveCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Image name.")
    private String name;

    @Override
    public Integer call() {
        JsonNode image = api().send("DELETE", ApiPaths.image(name), null, ApiClient.BOOTSTRAP_TIMEOUT);
        out().println("removed image " + image.path("name").asText());
        out().flush();
        return 0;
    }
}
