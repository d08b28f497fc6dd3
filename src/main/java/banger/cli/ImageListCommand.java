package banger.cli;

import banger.wire.ImageView;
import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `banger image ls`: the images VMs can boot from. */
@Command(name = "ls", description = "List images.")
final class ImageListCommand extends ApiCommand {

    @Option(names = "--json", description = "Print the API's JSON ({\"images\":[...]}).")
    private boolean json;

    @Override
    public Integer call() {
        JsonNode answer = api().get(ApiPaths.IMAGES);
        if (json) {
            printJson(answer);
            return 0;
        }
        TextTable table = new TextTable("NAME", "OS", "ROOTFS", "SOURCE", "AGE");
        for (JsonNode node : answer.path("images")) {
            ImageView image = api().convert(node, ImageView.class);
            table.row(image.name(), image.os(), Formats.bytes(image.rootfsBytes()),
                    Formats.orDash(image.source()),
                    Formats.age(image.createdAt(), root().environment().clock().instant()));
        }
        table.print(out());
        return 0;
    }
}
