package banger.workspace;

import banger.guest.ExecResult;
import banger.guest.GuestSsh;
import banger.guest.SshAbort;
import banger.core.Rejected;
import banger.core.Rejection;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletionStage;

/**
 * {@link GuestFiles} over SSH. A write streams into a temporary file beside the target and renames it over
 * the target only after the whole body arrived: readers never see half a file, and a failed upload leaves
 * the old one.
 */
public final class SshGuestFiles implements GuestFiles {

    private final GuestJobs jobs;
    private final GuestShell shell;

    public SshGuestFiles(GuestJobs jobs, GuestSsh ssh, WorkspaceSettings settings) {
        this.jobs = jobs;
        this.shell = new GuestShell(ssh, settings);
    }

    @Override
    public CompletionStage<FileWritten> write(String ref, String path, int mode, InputStream content) {
        String target = GuestPaths.belowRoot("path", path);
        String octal = String.format("%04o", mode);
        return jobs.run(ref, false, "the upload to " + target, vm -> abort -> {
            String temp = GuestPaths.staging(target, "upload");
            ByteCounts.Input counted = new ByteCounts.Input(content);
            ExecResult written;
            try {
                written = shell.stream(vm, counted, OutputStream.nullOutputStream(), abort, GuestScripts.WRITE_TEMP,
                        temp, target);
            } catch (RuntimeException e) {
                if (!abort.aborted()) {
                    remove(vm, temp);
                }
                throw e;
            }
            if (written.exitCode() == GuestScripts.IS_DIRECTORY) {
                throw new Rejected(Rejection.Reason.CONFLICT, target + " is a directory in VM "
                        + vm.name() + "; send a tar with archive=tar to write into it");
            }
            if (!written.ok()) {
                remove(vm, temp);
                throw new Rejected(Rejection.Reason.CONFLICT, "cannot write " + target + " in VM "
                        + vm.name() + ": " + written.stderrText().strip());
            }
            ExecResult committed = shell.run(vm, GuestScripts.COMMIT_TEMP, temp, target, octal);
            if (!committed.ok()) {
                throw new Rejected(Rejection.Reason.CONFLICT, "cannot write " + target + " in VM "
                        + vm.name() + ": " + committed.stderrText().strip());
            }
            return new FileWritten(target, counted.count());
        });
    }

    @Override
    public CompletionStage<FileWritten> unpack(String ref, String dir, InputStream tar) {
        String target = GuestPaths.absolute("path", dir);
        return jobs.run(ref, false, "the tar upload to " + target, vm -> abort -> {
            ByteCounts.Input counted = new ByteCounts.Input(tar);
            ExecResult r = shell.stream(vm, counted, OutputStream.nullOutputStream(), abort, GuestScripts.UNPACK,
                    target);
            if (!r.ok()) {
                throw new Rejected(Rejection.Reason.CONFLICT, "cannot unpack the tar into " + target
                        + " in VM " + vm.name() + ": " + r.stderrText().strip());
            }
            return new FileWritten(target, counted.count());
        });
    }

    @Override
    public CompletionStage<InputStream> read(String ref, String path, boolean archive) {
        String source = GuestPaths.absolute("path", path);
        return jobs.run(ref, false, "the download of " + source, vm -> abort -> {
            ExecResult kind = shell.run(vm, GuestScripts.KIND, source);
            String what = kind.stdoutText().strip();
            if (!kind.ok() || what.equals("missing")) {
                throw new Rejected(Rejection.Reason.NOT_FOUND, "no " + source + " in VM " + vm.name());
            }
            if (archive) {
                String parent = source.equals("/") ? "/" : GuestPaths.parent(source);
                String name = source.equals("/") ? "." : GuestPaths.name(source);
                return (InputStream) shell.output(vm, abort, GuestScripts.TAR, parent, name);
            }
            if (what.equals("dir")) {
                throw new Rejected(Rejection.Reason.CONFLICT, source + " is a directory in VM "
                        + vm.name() + "; ask for it with archive=tar");
            }
            return shell.output(vm, abort, GuestScripts.CAT, source);
        });
    }

    private void remove(GuestTarget vm, String temp) {
        try {
            shell.run(vm, GuestScripts.REMOVE, temp);
        } catch (RuntimeException ignored) {
            // the guest may be gone; a hidden temporary file is all that is left
        }
    }
}
