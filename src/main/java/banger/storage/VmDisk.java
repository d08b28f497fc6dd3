package banger.storage;

import java.nio.file.Path;

/** A VM's own writable root disk: its file and format ("raw" or "qcow2"). */
public record VmDisk(Path path, String format) {
    public static final String RAW = "raw";
    public static final String QCOW2 = "qcow2";
}
