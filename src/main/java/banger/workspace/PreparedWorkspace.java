package banger.workspace;

import java.time.Instant;

/** The answer to a workspace prepare: where it went, from which commit, how many files and bytes of tar. */
public record PreparedWorkspace(String guestPath, String baseCommit, long files, long bytes, Instant preparedAt) {
}
