package banger.api;

import banger.workspace.FileWritten;
import banger.workspace.GuestFiles;
import banger.workspace.GuestPort;
import banger.workspace.PreparedWorkspace;
import banger.workspace.WorkspaceService;
import banger.workspace.WorkspaceStatus;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Guest I/O for API tests: uploads are read to their end and counted, downloads are fixed bytes. */
final class FakeGuestIo {

    static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");

    private FakeGuestIo() {
    }

    static GuestIo create() {
        WorkspaceService workspaces = new WorkspaceService() {
            @Override
            public CompletionStage<PreparedWorkspace> prepare(String ref, String guestPath, String baseCommit,
                                                              InputStream tar) {
                return CompletableFuture.supplyAsync(() -> new PreparedWorkspace(guestPath, baseCommit, 1,
                        drain(tar), AT));
            }

            @Override
            public CompletionStage<WorkspaceStatus> status(String ref) {
                return CompletableFuture.completedFuture(new WorkspaceStatus("/root/work", null, 3, 120, null, null, AT, null));
            }

            @Override
            public CompletionStage<Optional<InputStream>> bundle(String ref) {
                return CompletableFuture.completedFuture(Optional.of(bytes("bundle")));
            }

            @Override
            public CompletionStage<InputStream> diff(String ref) {
                return CompletableFuture.completedFuture(bytes("diff"));
            }
        };
        GuestFiles files = new GuestFiles() {
            @Override
            public CompletionStage<FileWritten> write(String ref, String path, int mode, InputStream content) {
                return CompletableFuture.supplyAsync(() -> new FileWritten(path, drain(content)));
            }

            @Override
            public CompletionStage<FileWritten> unpack(String ref, String dir, InputStream tar) {
                return CompletableFuture.supplyAsync(() -> new FileWritten(dir, drain(tar)));
            }

            @Override
            public CompletionStage<InputStream> read(String ref, String path, boolean archive) {
                return CompletableFuture.completedFuture(bytes("content of " + path));
            }
        };
        return new GuestIo(workspaces, files, ref -> CompletableFuture.completedFuture(
                List.of(new GuestPort("tcp", "0.0.0.0", 22, 1, "dropbear"))));
    }

    private static InputStream bytes(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    private static long drain(InputStream in) {
        try {
            return in.transferTo(OutputStreamSink.INSTANCE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }
}
