package banger.api;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.workspace.GuestFiles;
import banger.workspace.GuestPorts;
import banger.workspace.WorkspaceService;
import java.util.concurrent.CompletableFuture;

/** The guest I/O services behind the workspace, file and port routes. */
public record GuestIo(WorkspaceService workspaces, GuestFiles files, GuestPorts ports) {

    /** For a daemon without guest access: every call answers 503. */
    public static GuestIo unavailable() {
        Rejected no = new Rejected(Rejection.Reason.UNAVAILABLE,
                "guest I/O is not available in this daemon");
        return new GuestIo(new WorkspaceService() {
            @Override
            public CompletableFuture<banger.workspace.PreparedWorkspace> prepare(String ref, String guestPath,
                    String baseCommit, java.io.InputStream tar) {
                return CompletableFuture.failedFuture(no);
            }

            @Override
            public CompletableFuture<banger.workspace.WorkspaceStatus> status(String ref) {
                return CompletableFuture.failedFuture(no);
            }

            @Override
            public CompletableFuture<java.util.Optional<java.io.InputStream>> bundle(String ref) {
                return CompletableFuture.failedFuture(no);
            }

            @Override
            public CompletableFuture<java.io.InputStream> diff(String ref) {
                return CompletableFuture.failedFuture(no);
            }
        }, new GuestFiles() {
            @Override
            public CompletableFuture<banger.workspace.FileWritten> write(String ref, String path, int mode,
                    java.io.InputStream content) {
                return CompletableFuture.failedFuture(no);
            }

            @Override
            public CompletableFuture<banger.workspace.FileWritten> unpack(String ref, String dir,
                    java.io.InputStream tar) {
                return CompletableFuture.failedFuture(no);
            }

            @Override
            public CompletableFuture<java.io.InputStream> read(String ref, String path, boolean archive) {
                return CompletableFuture.failedFuture(no);
            }
        }, ref -> CompletableFuture.failedFuture(no));
    }
}
