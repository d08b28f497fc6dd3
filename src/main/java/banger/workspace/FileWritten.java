package banger.workspace;

/** A file (or, unpacked from a tar, a directory) written into a guest, and the bytes received for it. */
public record FileWritten(String path, long bytes) {
}
