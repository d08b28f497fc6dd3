package banger.image.oci;

import banger.image.FileTrees;
import banger.core.Rejected;
import banger.core.Rejection;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

/**
 * Applies image layers (tar, gzip or zstd, told apart by their magic bytes) in order onto a root directory,
 * as a container runtime would: OCI whiteouts ({@code .wh.NAME} deletes NAME from lower layers,
 * {@code .wh..wh..opq} empties its directory of lower layers' contents), symlinks, hard links, modes
 * (setuid/setgid/sticky too), ownership and modification times. Device nodes and FIFOs are skipped with a note.
 *
 * <p>Nothing is ever written outside the root: entries with absolute paths or {@code ..} components are
 * refused, directories on an entry's path are resolved inside the root (an absolute symlink is taken relative
 * to the image's root, as the guest sees it), and an entry whose path leads through a symlink pointing above
 * the root is refused. Files are created with O_EXCL, so a symlink in the final position is replaced, never
 * followed. A refused layer fails the whole pull ({@link Rejected} INVALID).
 */
public final class LayerFlattener {

    static final String WHITEOUT = ".wh.";
    static final String OPAQUE = ".wh..wh..opq";
    private static final int MAX_SYMLINK_HOPS = 40;

    private final Path root;
    private final List<String> notes = new ArrayList<>();
    private long files;

    public LayerFlattener(Path root) throws IOException {
        this.root = Files.createDirectories(root).toRealPath();
    }

    /** Skipped entries (device nodes, FIFOs), one line each. */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    /** Entries written so far (files, directories, links). */
    public long entries() {
        return files;
    }

    /** Applies one layer blob; {@code layer} names it in errors. */
    public void apply(InputStream blob, String layer) throws IOException {
        Set<Path> written = new HashSet<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(decompressed(blob))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                applyEntry(entry, tar, layer, written);
            }
        }
    }

    private static InputStream decompressed(InputStream blob) throws IOException {
        BufferedInputStream in = new BufferedInputStream(blob, 1 << 16);
        in.mark(4);
        byte[] magic = in.readNBytes(4);
        in.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return new GzipCompressorInputStream(in, true);
        }
        if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
                && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
            return new ZstdCompressorInputStream(in);
        }
        return in;
    }

    private void applyEntry(TarArchiveEntry entry, InputStream content, String layer, Set<Path> written)
            throws IOException {
        String name = entry.getName();
        if (name.startsWith("/")) {
            throw refused(layer, name, "it has an absolute path");
        }
        List<String> parts = new ArrayList<>();
        for (String part : name.split("/")) {
            if (part.equals("..")) {
                throw refused(layer, name, "its path has a '..' component");
            }
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        if (parts.isEmpty()) {
            return;
        }
        String base = parts.get(parts.size() - 1);
        List<String> parentParts = parts.subList(0, parts.size() - 1);
        if (base.equals(OPAQUE)) {
            Path dir = resolveDirectory(parentParts, false, layer, name);
            if (dir != null) {
                emptyExcept(dir, written);
            }
            return;
        }
        if (base.startsWith(WHITEOUT)) {
            String hidden = base.substring(WHITEOUT.length());
            if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
                throw refused(layer, name, "it is a whiteout of no file");
            }
            Path dir = resolveDirectory(parentParts, false, layer, name);
            if (dir != null) {
                Path gone = dir.resolve(hidden);
                if (!written.contains(gone)) {
                    FileTrees.delete(gone);
                }
            }
            return;
        }
        Path dir = resolveDirectory(parentParts, true, layer, name);
        Path target = dir.resolve(base);
        if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
            notes.add("skipped " + (entry.isFIFO() ? "FIFO" : "device node") + " /" + String.join("/", parts)
                    + " (layer " + layer + ")");
            return;
        }
        boolean exists = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
        if (exists && !(entry.isDirectory() && Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS))) {
            FileTrees.delete(target);
        }
        if (entry.isDirectory()) {
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(target);
            }
        } else if (entry.isSymbolicLink()) {
            Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
        } else if (entry.isLink()) {
            Files.createLink(target, hardLinkSource(entry.getLinkName(), layer, name));
        } else if (entry.isFile()) {
            try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                content.transferTo(out);
            }
        } else {
            notes.add("skipped entry of tar type '" + (char) entry.getLinkFlag() + "' /" + String.join("/", parts)
                    + " (layer " + layer + ")");
            return;
        }
        written.add(target);
        files++;
        if (!entry.isLink()) {
            applyMetadata(entry, target);
        }
    }

    /** Ownership first (chown clears setuid bits), then the whole mode, then the mtime; symlinks get owners only. */
    private static void applyMetadata(TarArchiveEntry entry, Path target) throws IOException {
        Files.setAttribute(target, "unix:uid", (int) entry.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(target, "unix:gid", (int) entry.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
        if (!entry.isSymbolicLink()) {
            Files.setAttribute(target, "unix:mode", entry.getMode() & 07777);
            Files.setLastModifiedTime(target, FileTime.from(entry.getLastModifiedTime().toInstant()));
        }
    }

    /**
     * The real directory {@code parts} names inside the root, following symlinks as the guest would but
     * never above the root; missing directories are created (mode 0755) when {@code create}, else null.
     */
    private Path resolveDirectory(List<String> parts, boolean create, String layer, String name) throws IOException {
        Deque<String> todo = new ArrayDeque<>(parts);
        Deque<String> at = new ArrayDeque<>();
        int hops = 0;
        while (!todo.isEmpty()) {
            String part = todo.pollFirst();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (at.isEmpty()) {
                    throw refused(layer, name, "its path leads through a symlink pointing outside the image");
                }
                at.pollLast();
                continue;
            }
            Path current = join(at).resolve(part);
            if (Files.isSymbolicLink(current)) {
                if (++hops > MAX_SYMLINK_HOPS) {
                    throw refused(layer, name, "its path has too many levels of symlinks");
                }
                String link = Files.readSymbolicLink(current).toString();
                if (link.startsWith("/")) {
                    at.clear();
                }
                List<String> linkParts = Arrays.asList(link.split("/"));
                for (int i = linkParts.size() - 1; i >= 0; i--) {
                    todo.addFirst(linkParts.get(i));
                }
                continue;
            }
            if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
                if (!create) {
                    return null;
                }
                Files.createDirectory(current);
                Files.setAttribute(current, "unix:mode", 0755);
            } else if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                if (!create) {
                    return null;
                }
                throw refused(layer, name, "/" + root.relativize(current) + " on its path is not a directory");
            }
            at.addLast(part);
        }
        return join(at);
    }

    private Path hardLinkSource(String linkName, String layer, String name) throws IOException {
        if (linkName.startsWith("/")) {
            throw refused(layer, name, "it hard-links to an absolute path");
        }
        List<String> parts = new ArrayList<>();
        for (String part : linkName.split("/")) {
            if (part.equals("..")) {
                throw refused(layer, name, "it hard-links to a path with a '..' component");
            }
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        if (parts.isEmpty()) {
            throw refused(layer, name, "it hard-links to the image's root");
        }
        Path dir = resolveDirectory(parts.subList(0, parts.size() - 1), false, layer, name);
        Path source = dir == null ? null : dir.resolve(parts.get(parts.size() - 1));
        if (source == null || !Files.exists(source, LinkOption.NOFOLLOW_LINKS)
                || Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
            throw refused(layer, name, "its hard link target " + linkName + " is not a file in the image");
        }
        return source;
    }

    private Path join(Deque<String> parts) {
        Path p = root;
        for (String part : parts) {
            p = p.resolve(part);
        }
        return p;
    }

    private static void emptyExcept(Path dir, Set<Path> keep) throws IOException {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                if (!keep.contains(child)) {
                    FileTrees.delete(child);
                }
            }
        }
    }

    private static Rejected refused(String layer, String name, String why) {
        return new Rejected(Rejection.Reason.INVALID_REQUEST,
                "layer " + layer + " refused: entry '" + name + "': " + why + "; nothing was written outside the image");
    }
}
