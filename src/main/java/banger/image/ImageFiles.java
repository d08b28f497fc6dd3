package banger.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Removes the files an image owns: its directory {@code images/<name>/}, and nothing that is not one; a
 * registered image's files belong to whoever registered them.
 */
final class ImageFiles {

    private ImageFiles() {
    }

    /** Deletes the image's directory if it is a complete image directory named after the image; else nothing. */
    static void remove(Image image) throws IOException {
        if (RegisteredImage.SOURCE.equals(image.source())) {
            return;
        }
        Path dir = Path.of(image.rootfs()).toAbsolutePath().getParent();
        if (dir == null || !dir.getFileName().toString().equals(image.name())
                || !Files.isRegularFile(dir.resolve(ImageDirectory.COMPLETE_MARKER))) {
            return;
        }
        FileTrees.delete(dir);
    }
}
