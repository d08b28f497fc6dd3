package banger.workspace;

import java.io.InputStream;
import java.util.concurrent.CompletionStage;

/** Files into and out of a running guest, streamed. Paths are absolute guest paths. */
public interface GuestFiles {

    /** Writes {@code content} to {@code path} atomically (a temporary file, then a rename), parents created. */
    CompletionStage<FileWritten> write(String ref, String path, int mode, InputStream content);

    /** Unpacks the tar stream {@code tar} into directory {@code dir} (created). */
    CompletionStage<FileWritten> unpack(String ref, String dir, InputStream tar);

    /** The file's bytes, or with {@code archive} a tar of the file or directory; NOT_FOUND when missing. */
    CompletionStage<InputStream> read(String ref, String path, boolean archive);
}
