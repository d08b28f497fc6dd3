package banger.cli;

import banger.wire.ImageNames;
import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `banger image pull REF`: has the daemon pull an OCI image and register it; waits, showing its progress. */
@Command(name = "pull", description = "Pull an image from an OCI registry (e.g. registry:5000/busybox:1.36 or ...@sha256:...).")
final class ImagePullCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "REF", description = "Image reference: [registry[:port]/]repository[:tag][@sha256:digest].")
    private String ref;

    @Option(names = "--name", paramLabel = "NAME", description = "Image name (default: the repository's last component).")
    private String name;

    @Option(names = "--platform", paramLabel = "OS/ARCH", description = "Platform to pick from a multi-platform image (default: linux/amd64).")
    private String platform;

    @Option(names = "--json", description = "Print the image as JSON.")
    private boolean json;

    record PullRequest(String ref, String name, String platform) {
    }

    @Override
    public Integer call() {
        String imageName = name != null ? name : ImageNames.fromReference(ref);
        JsonNode image = withProgress("pulling " + ref + " as image " + imageName,
                () -> new ImageOperationWait(api(), err()).run(ApiPaths.IMAGE_PULL,
                        new PullRequest(ref, imageName, platform)));
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
