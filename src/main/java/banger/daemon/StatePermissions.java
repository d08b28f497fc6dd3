package banger.daemon;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The state dir holds the API token, the SSH key that opens every guest as root, and the store: at start it
 * must belong to the daemon's user and be closed to everyone else. Modes that are too open are tightened
 * (and reported); a state dir, token or key owned by another user, or a symlink in their place, stops the
 * start, since someone else could have read or swapped them.
 */
final class StatePermissions {

    /** What is checked, relative to the state dir, and the mode it must not exceed. */
    private static final List<Entry> ENTRIES = List.of(
            new Entry("", "rwx------"),
            new Entry("api.token", "rw-------"),
            new Entry("ssh", "rwx------"),
            new Entry("ssh/id_ed25519", "rw-------"));

    private record Entry(String path, String mode) {
    }

    private StatePermissions() {
    }

    /** Checks and tightens; returns one line per change made, for the log. */
    static List<String> secure(Path stateDir) {
        List<String> changes = new ArrayList<>();
        try {
            UserPrincipal me = stateDir.getFileSystem()
                    .getUserPrincipalLookupService().lookupPrincipalByName(System.getProperty("user.name"));
            for (Entry entry : ENTRIES) {
                Path path = entry.path().isEmpty() ? stateDir : stateDir.resolve(entry.path());
                if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (Files.isSymbolicLink(path)) {
                    throw new IllegalStateException(path + " is a symbolic link; banger keeps its secrets only in"
                            + " files of its own");
                }
                UserPrincipal owner = Files.getOwner(path, LinkOption.NOFOLLOW_LINKS);
                if (!owner.equals(me)) {
                    throw new IllegalStateException(path + " belongs to " + owner.getName() + ", not to "
                            + me.getName() + " who runs the daemon; fix its owner (chown) or use another state dir");
                }
                Set<PosixFilePermission> current = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
                Set<PosixFilePermission> allowed = PosixFilePermissions.fromString(entry.mode());
                Set<PosixFilePermission> tightened = EnumSet.noneOf(PosixFilePermission.class);
                tightened.addAll(current);
                tightened.retainAll(allowed);
                if (!tightened.equals(current)) {
                    Files.setPosixFilePermissions(path, tightened);
                    changes.add(path + ": mode " + PosixFilePermissions.toString(current) + " tightened to "
                            + PosixFilePermissions.toString(tightened));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check the permissions of " + stateDir, e);
        }
        return changes;
    }
}
