package banger.workspace;

import banger.guest.ExecResult;
import banger.guest.SshAbort;
import banger.core.Rejected;
import banger.core.Rejection;
import banger.vm.VmControl;
import banger.vm.VmEvent;
import java.io.InputStream;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@link WorkspaceService} over SSH, its jobs run by the VM's {@link Workspace} actor. A prepare unpacks into a
 * hidden sibling of the workspace path and only a complete unpack replaces the workspace, so a failed import
 * (the VM stopped, the client went away) leaves the previous workspace as it was.
 */
public final class SshWorkspaceService implements WorkspaceService {

    private final GuestJobs jobs;
    private final GuestShell shell;
    private final VmControl control;
    private final WorkspaceJournal journal;
    private final Clock clock;

    public SshWorkspaceService(GuestJobs jobs, banger.guest.GuestSsh ssh, WorkspaceSettings settings,
                               VmControl control, WorkspaceJournal journal, Clock clock) {
        this.jobs = jobs;
        this.shell = new GuestShell(ssh, settings);
        this.control = control;
        this.journal = journal;
        this.clock = clock;
    }

    @Override
    public CompletionStage<PreparedWorkspace> prepare(String ref, String guestPath, String baseCommit, InputStream tar) {
        String path = GuestPaths.belowRoot("path", guestPath);
        return jobs.target(ref).thenCompose(target -> jobs.run(target, true, "the workspace import into " + path,
                abort -> unpack(target, path, tar, abort)).thenCompose(counts -> {
                    VmEvent.WorkspacePrepared event = new VmEvent.WorkspacePrepared(path, baseCommit, counts[0],
                            counts[1], clock.instant());
                    return journal.record(target.vmId(), event).thenApply(done -> new PreparedWorkspace(path,
                            baseCommit, event.files(), event.bytes(), event.at()));
                }));
    }

    /** Returns {files, bytes}. */
    private long[] unpack(GuestTarget target, String path, InputStream tar, SshAbort abort) {
        String staging = GuestPaths.staging(path, "import");
        ByteCounts.Input counted = new ByteCounts.Input(tar);
        ByteCounts.TarListing listing = new ByteCounts.TarListing();
        ExecResult unpacked;
        try {
            unpacked = shell.stream(target, counted, listing, abort, GuestScripts.UNPACK_LISTING, staging);
        } catch (RuntimeException e) {
            if (!abort.aborted()) {
                removeQuietly(target, staging);
            }
            throw e;
        }
        if (!unpacked.ok()) {
            removeQuietly(target, staging);
            throw new Rejected(Rejection.Reason.CONFLICT, "unpacking the workspace in VM "
                    + target.name() + " failed (exit " + unpacked.exitCode() + "): " + unpacked.stderrText().strip());
        }
        ExecResult replaced = shell.run(target, GuestScripts.REPLACE_DIR, staging, path);
        if (!replaced.ok()) {
            removeQuietly(target, staging);
            throw new Rejected(Rejection.Reason.CONFLICT, "cannot put the workspace at " + path
                    + " in VM " + target.name() + ": " + replaced.stderrText().strip());
        }
        return new long[] {listing.files(), counted.count()};
    }

    private void removeQuietly(GuestTarget target, String staging) {
        try {
            shell.run(target, GuestScripts.REMOVE, staging);
        } catch (RuntimeException ignored) {
            // the guest may be gone; a hidden staging directory is all that is left
        }
    }

    @Override
    public CompletionStage<WorkspaceStatus> status(String ref) {
        return control.get(ref).thenCompose(vm -> journal.latest(vm.id()).thenCompose(record -> {
            VmEvent.WorkspacePrepared prepared = record.prepared().orElseThrow(() -> noWorkspace(vm.name()));
            WorkspaceStatus.LastExport export = record.exported()
                    .map(e -> new WorkspaceStatus.LastExport(e.head(), e.commits(), e.at())).orElse(null);
            if (!"running".equals(vm.state()) || vm.address() == null) {
                return CompletableFuture.completedFuture(new WorkspaceStatus(prepared.guestPath(),
                        prepared.baseCommit(), prepared.files(), prepared.bytes(), null, null, prepared.at(), export));
            }
            GuestTarget target = GuestJobs.reachable(vm);
            return jobs.run(target, false, "the workspace status", abort -> gitFacts(target, prepared))
                    .thenApply(git -> new WorkspaceStatus(prepared.guestPath(), prepared.baseCommit(),
                            prepared.files(), prepared.bytes(), git.get("head"), git.containsKey("dirty") ? Boolean.TRUE
                            : git.containsKey("clean") ? Boolean.FALSE : null, prepared.at(), export));
        }));
    }

    @Override
    public CompletionStage<Optional<InputStream>> bundle(String ref) {
        return withGit(ref, "the workspace bundle", (target, prepared, git) -> {
            int commits = Integer.parseInt(git.getOrDefault("commits", "-1"));
            if (commits < 0) {
                throw new Rejected(Rejection.Reason.CONFLICT, "base_commit " + prepared.baseCommit()
                        + " is not in the guest's repository at " + prepared.guestPath());
            }
            VmEvent.WorkspaceExported exported = new VmEvent.WorkspaceExported(prepared.guestPath(),
                    prepared.baseCommit(), git.get("head"), commits, clock.instant());
            return journal.record(target.vmId(), exported).thenCompose(done -> commits == 0
                    ? CompletableFuture.completedFuture(Optional.<InputStream>empty())
                    : jobs.run(target, false, "the workspace bundle", abort -> (InputStream) shell.output(target,
                            abort, GuestScripts.BUNDLE, prepared.guestPath(), prepared.baseCommit()))
                            .thenApply(Optional::of));
        });
    }

    @Override
    public CompletionStage<InputStream> diff(String ref) {
        return withGit(ref, "the workspace diff", (target, prepared, git) -> jobs.run(target, false,
                "the workspace diff", abort -> (InputStream) shell.output(target, abort, GuestScripts.DIFF,
                        prepared.guestPath())));
    }

    private interface GitStep<T> {
        CompletionStage<T> apply(GuestTarget target, VmEvent.WorkspacePrepared prepared, Map<String, String> git);
    }

    /** Runs {@code step} once the VM runs, has a prepared workspace with a git repository, and git is there. */
    private <T> CompletionStage<T> withGit(String ref, String what, GitStep<T> step) {
        return jobs.target(ref).thenCompose(target -> journal.latest(target.vmId()).thenCompose(record -> {
            VmEvent.WorkspacePrepared prepared = record.prepared().orElseThrow(() -> noWorkspace(target.name()));
            if (prepared.baseCommit() == null) {
                throw new Rejected(Rejection.Reason.CONFLICT, "the workspace in VM " + target.name()
                        + " was prepared without a base_commit; " + what + " needs one");
            }
            return jobs.run(target, false, what, abort -> gitStatus(target, prepared))
                    .thenCompose(git -> step.apply(target, prepared, git));
        }));
    }

    /** The guest's git view of the workspace; CONFLICT when there is no directory, no git or no repository. */
    private Map<String, String> gitStatus(GuestTarget target, VmEvent.WorkspacePrepared prepared) {
        Map<String, String> git = gitFacts(target, prepared);
        if (git.containsKey("nogit")) {
            throw new Rejected(Rejection.Reason.CONFLICT, "git is not installed in VM " + target.name()
                    + "; the workspace bundle and diff need git in the guest (the debian image has it)");
        }
        if (git.containsKey("norepo")) {
            throw new Rejected(Rejection.Reason.CONFLICT, "the workspace at " + prepared.guestPath()
                    + " in VM " + target.name() + " is not a git repository with a commit");
        }
        return git;
    }

    /**
     * What the guest's git says of the workspace: "head", "dirty" or "clean", "commits", or "nogit" / "norepo"
     * (then the status shows HEAD as unknown); CONFLICT when the directory is gone.
     */
    private Map<String, String> gitFacts(GuestTarget target, VmEvent.WorkspacePrepared prepared) {
        ExecResult r = shell.run(target, GuestScripts.GIT_STATUS, prepared.guestPath(),
                prepared.baseCommit() == null ? "" : prepared.baseCommit());
        if (!r.ok()) {
            throw new Rejected(Rejection.Reason.OPERATION_FAILED,
                    "cannot read the workspace in VM " + target.name() + ": " + r.stderrText().strip());
        }
        Map<String, String> git = new HashMap<>();
        for (String line : r.stdoutText().split("\n")) {
            String[] kv = line.strip().split(" ", 2);
            if (!kv[0].isEmpty()) {
                git.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
        }
        if (git.containsKey("nodir")) {
            throw new Rejected(Rejection.Reason.CONFLICT, "the workspace directory "
                    + prepared.guestPath() + " is gone from VM " + target.name());
        }
        return git;
    }

    private static Rejected noWorkspace(String vm) {
        return new Rejected(Rejection.Reason.NOT_FOUND,
                "no workspace has been prepared in VM " + vm + "; run banger workspace prepare first");
    }
}
