package banger.workspace;

import java.time.Instant;

/**
 * A VM's workspace: what was prepared (where, from which commit, how many files and bytes, when), and (while the VM runs and has git) the guest's HEAD and whether its
 * tree has uncommitted changes; {@code lastExport} is null until one.
 */
public record WorkspaceStatus(String guestPath, String baseCommit, long files, long bytes, String head, Boolean dirty,
                              Instant preparedAt, LastExport lastExport) {

    public record LastExport(String head, int commits, Instant at) {
    }
}
