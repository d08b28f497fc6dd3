package banger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `banger image promote VM NAME`: makes a stopped VM's disk an image. */
@Command(name = "promote", description = "Make a stopped VM's disk (with its changes) an image.")
final class ImagePromoteCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "VM", description = "The VM (name or id); it must be stopped.")
    private String vm;

    @Parameters(index = "1", paramLabel = "NAME", description = "Name of the new image.")
    private String name;

    @Option(names = "--json", description = "Print the image as JSON.")
    private boolean json;

    record PromoteRequest(String name) {
    }

    @Override
    public Integer call() {
        JsonNode image = withProgress("promoting VM " + vm + " to image " + name,
                () -> api().send("POST", ApiPaths.vm(vm, "promote"), new PromoteRequest(name),
                        ApiClient.BOOTSTRAP_TIMEOUT));
        if (json) {
            printJson(image);
            return 0;
        }
        out().println(image.path("name").asText() + " " + Formats.orDash(image.path("source").asText(null)) + " "
                + Formats.bytes(image.path("rootfs_bytes").asLong()) + " " + Formats.orDash(image.path("rootfs").asText(null)));
        out().flush();
        return 0;
    }
}
