package banger.api;

import banger.workspace.GuestFiles;
import banger.workspace.GuestPaths;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * /v1/vms/{ref}/files?path=/abs[&mode=0644][&archive=tar]: PUT writes the raw body to the file atomically (or
 * unpacks a tar body into the directory), GET answers the file's bytes (or a tar of the file or directory).
 */
final class FileRoutes extends AllDirectives {

    private static final ContentType TAR = MediaTypes.APPLICATION_X_TAR.toContentType();
    private static final int DEFAULT_MODE = 0644;

    private final GuestFiles files;
    private final StreamedBodies bodies;

    FileRoutes(GuestFiles files, StreamedBodies bodies) {
        this.files = files;
        this.bodies = bodies;
    }

    Route put(String ref) {
        return parameterOptional("path", path -> parameterOptional("mode", mode ->
                parameterOptional("archive", archive -> {
                    boolean tar = archive(archive);
                    if (tar) {
                        String dir = GuestPaths.absolute("path", path.orElse(null));
                        return bodies.upload(body -> files.unpack(ref, dir, body));
                    }
                    String file = GuestPaths.belowRoot("path", path.orElse(null));
                    int bits = mode(mode);
                    return bodies.upload(body -> files.write(ref, file, bits, body));
                })));
    }

    Route get(String ref) {
        return parameterOptional("path", path -> parameterOptional("archive", archive -> {
            boolean tar = archive(archive);
            String file = GuestPaths.absolute("path", path.orElse(null));
            return bodies.download(files.read(ref, file, tar), tar ? TAR : ContentTypes.APPLICATION_OCTET_STREAM);
        }));
    }

    private static boolean archive(Optional<String> value) {
        if (value.isEmpty()) {
            return false;
        }
        if (!value.get().equals("tar")) {
            throw ApiProblem.invalidField("archive", "the only archive format is tar");
        }
        return true;
    }

    private static int mode(Optional<String> value) {
        if (value.isEmpty()) {
            return DEFAULT_MODE;
        }
        if (!value.get().matches("0?[0-7]{3,4}")) {
            throw ApiProblem.invalidField("mode", "must be an octal file mode such as 0644");
        }
        int bits = Integer.parseInt(value.get(), 8);
        if (bits > 07777) {
            throw ApiProblem.invalidField("mode", "must be at most 7777");
        }
        return bits;
    }
}
