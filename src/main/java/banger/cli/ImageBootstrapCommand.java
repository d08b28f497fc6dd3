package banger.cli;

import banger.wire.ImageView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `banger image bootstrap PRESET`: has the daemon build and register an image; takes minutes. */
@Command(name = "bootstrap", description = "Build an image from a preset (tiny, debian); this takes minutes.")
final class ImageBootstrapCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "PRESET", description = "Preset to build: tiny or debian.")
    private String preset;

    @Option(names = "--name", paramLabel = "NAME", description = "Image name (default: the preset's name).")
    private String name;

    @Option(names = "--json", description = "Print the image as JSON.")
    private boolean json;

    record BootstrapRequest(String preset, String name) {
    }

    @Override
    public Integer call() {
        String imageName = name != null ? name : preset;
        var image = withProgress("bootstrapping image " + imageName + " from preset " + preset,
                () -> new ImageOperationWait(api(), err()).run(ApiPaths.IMAGE_BOOTSTRAP,
                        new BootstrapRequest(preset, imageName)));
        if (json) {
            printJson(image);
            return 0;
        }
        ImageView view = api().convert(image, ImageView.class);
        out().println(view.name() + " " + Formats.orDash(view.os()) + " " + Formats.bytes(view.rootfsBytes()) + " "
                + Formats.orDash(view.rootfs()));
        out().flush();
        return 0;
    }
}
