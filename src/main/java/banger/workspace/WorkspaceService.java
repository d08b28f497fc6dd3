package banger.workspace;

import java.io.InputStream;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Workspaces: a host checkout imported into a guest directory, and the guest's work brought back. Stages fail
 * with {@link banger.core.Rejected} for refusals the client caused; {@code ref} is a VM id or name.
 */
public interface WorkspaceService {

    /** Unpacks {@code tar} (streamed) into {@code guestPath}, replacing what was there, and journals it. */
    CompletionStage<PreparedWorkspace> prepare(String ref, String guestPath, String baseCommit, InputStream tar);

    CompletionStage<WorkspaceStatus> status(String ref);

    /** A git bundle of base_commit..HEAD, or empty when the guest made no commits; CONFLICT without git. */
    CompletionStage<Optional<InputStream>> bundle(String ref);

    /** {@code git diff --binary HEAD} of the guest's uncommitted changes, untracked files included. */
    CompletionStage<InputStream> diff(String ref);
}
