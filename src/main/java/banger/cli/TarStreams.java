package banger.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Tar streams made while they are sent and unpacked while they are received, so a large tree never sits
 * in memory or in a temporary file. Entries belong to root (the guest unpacks as root); modes are kept.
 */
final class TarStreams {

    private static final int PIPE_BYTES = 1 << 20;

    private TarStreams() {
    }

    /**
     * A tar of {@code paths} (relative to {@code root}; directories recursively), each entry named
     * {@code prefix + path}, written by a thread of its own as the stream is read. A failure while writing
     * breaks the stream, so the receiver never takes a partial tar for a whole one.
     */
    static InputStream of(Path root, List<String> paths, String prefix) {
        try {
            PipedInputStream in = new PipedInputStream(PIPE_BYTES);
            PipedOutputStream out = new PipedOutputStream(in);
            Thread writer = new Thread(() -> {
                TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                try {
                    for (String path : paths) {
                        add(tar, root, path, prefix);
                    }
                    tar.close();
                } catch (IOException | UncheckedIOException e) {
                    // no end marker: the reader's next read fails, so a partial tar never looks whole
                    closeQuietly(in);
                }
            }, "banger-tar");
            writer.setDaemon(true);
            writer.start();
            return in;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void add(TarArchiveOutputStream tar, Path root, String path, String prefix) throws IOException {
        Path file = path.isEmpty() ? root : root.resolve(path);
        if (Files.isSymbolicLink(file)) {
            TarArchiveEntry link = new TarArchiveEntry(prefix + path, TarConstants.LF_SYMLINK);
            link.setLinkName(Files.readSymbolicLink(file).toString());
            owned(link);
            tar.putArchiveEntry(link);
            tar.closeArchiveEntry();
        } else if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            String name = prefix + path;
            if (!name.isEmpty()) {
                TarArchiveEntry dir = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
                dir.setMode(mode(file) | 040000);
                owned(dir);
                tar.putArchiveEntry(dir);
                tar.closeArchiveEntry();
            }
            try (Stream<Path> children = Files.list(file)) {
                for (Path child : children.sorted().toList()) {
                    String childPath = path.isEmpty() ? child.getFileName().toString()
                            : path + "/" + child.getFileName();
                    add(tar, root, childPath, prefix);
                }
            }
        } else if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            TarArchiveEntry entry = new TarArchiveEntry(prefix + path);
            entry.setSize(Files.size(file));
            entry.setMode(mode(file) | 0100000);
            entry.setModTime(Files.getLastModifiedTime(file));
            owned(entry);
            tar.putArchiveEntry(entry);
            Files.copy(file, tar);
            tar.closeArchiveEntry();
        }
        // anything else (a tracked file deleted in the work tree, a socket) has nothing to send
    }

    private static void owned(TarArchiveEntry entry) {
        entry.setUserId(0);
        entry.setGroupId(0);
        entry.setUserName("root");
        entry.setGroupName("root");
    }

    static int mode(Path file) throws IOException {
        int mode = 0;
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
        for (PosixFilePermission p : perms) {
            mode |= switch (p) {
                case OWNER_READ -> 0400;
                case OWNER_WRITE -> 0200;
                case OWNER_EXECUTE -> 0100;
                case GROUP_READ -> 040;
                case GROUP_WRITE -> 020;
                case GROUP_EXECUTE -> 010;
                case OTHERS_READ -> 04;
                case OTHERS_WRITE -> 02;
                case OTHERS_EXECUTE -> 01;
            };
        }
        return mode;
    }

    /**
     * Unpacks {@code tar}, whose entries all start with {@code top} (a file or a directory), so that
     * {@code top} lands at {@code target}. Entries that would leave {@code target} are refused.
     */
    static void extract(InputStream tar, String top, Path target) throws IOException {
        Path root = target.toAbsolutePath().normalize();
        try (TarArchiveInputStream in = new TarArchiveInputStream(tar)) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                String name = e.getName().replaceFirst("^\\./", "");
                if (name.endsWith("/")) {
                    name = name.substring(0, name.length() - 1);
                }
                String rest;
                if (name.equals(top)) {
                    rest = "";
                } else if (name.startsWith(top + "/")) {
                    rest = name.substring(top.length() + 1);
                } else {
                    throw new CliError("unexpected entry " + e.getName() + " in the guest's tar");
                }
                Path out = rest.isEmpty() ? root : root.resolve(rest).normalize();
                if (!out.startsWith(root)) {
                    throw new CliError("refusing tar entry " + e.getName() + ": it would land outside " + root);
                }
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                } else if (e.isSymbolicLink()) {
                    Files.createDirectories(out.getParent());
                    Files.deleteIfExists(out);
                    Files.createSymbolicLink(out, Path.of(e.getLinkName()));
                } else if (e.isFile()) {
                    Files.createDirectories(out.getParent());
                    Path temp = Files.createTempFile(out.getParent(), "." + out.getFileName(), ".banger-part");
                    try (OutputStream file = Files.newOutputStream(temp)) {
                        in.transferTo(file);
                    }
                    Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString(rwx(e.getMode() & 0777)));
                    Files.move(temp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
            }
        }
    }

    private static String rwx(int mode) {
        StringBuilder s = new StringBuilder();
        String letters = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            s.append((mode & (1 << (8 - i))) != 0 ? letters.charAt(i) : '-');
        }
        return s.toString();
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // the reader fails either way
        }
    }
}
