package banger.api;

import banger.wire.ImageView;
import banger.wire.CreateVmRequest;
import banger.wire.HistoryEntry;
import banger.wire.PatchVmRequest;
import banger.core.Rejected;
import banger.core.Rejection;
import banger.wire.EgressPolicy;
import banger.vm.VmControl;
import banger.wire.VmView;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * An in-memory VmControl that records every call, so tests can prove the API did (or did not) reach it. Its start,
 * stop, restart, suspend and delete are what {@link FakeOperationControl} runs as lifecycle operations.
 */
final class FakeVmControl implements VmControl {

    static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");
    static final String TAKEN_NAME = "taken";
    static final String UNKNOWN_IMAGE = "no-such-image";

    final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    final Map<String, VmView> vms = new ConcurrentHashMap<>();
    volatile Path consoleDir = Path.of("/nonexistent");
    volatile CompletableFuture<List<VmView>> listAnswer;
    volatile Duration bootstrapTakes = Duration.ZERO;
    /** Images made by {@link FakeImageOperationControl}, listed after tiny. */
    final List<ImageView> made = new java.util.concurrent.CopyOnWriteArrayList<>();
    volatile Duration transitionTakes = Duration.ZERO;

    void put(VmView vm) {
        vms.put(vm.id(), vm);
    }

    static VmView vm(String id, String name, String state, Map<String, String> labels) {
        return new VmView(id, name, state, null, "tiny", 1, 256, 512, "172.30.0.2", 4242L, labels, T0, T0);
    }

    void reset() {
        calls.clear();
        vms.clear();
        listAnswer = null;
        bootstrapTakes = Duration.ZERO;
        transitionTakes = Duration.ZERO;
    }

    /** What the fake operations call for a create. */
    public CompletionStage<VmView> create(CreateVmRequest r) {
        calls.add("create " + r.name());
        if (TAKEN_NAME.equals(r.name())) {
            return CompletableFuture.failedFuture(new Rejected(Rejection.Reason.CONFLICT,
                    "a VM named " + r.name() + " exists"));
        }
        if (UNKNOWN_IMAGE.equals(r.image())) {
            return CompletableFuture.failedFuture(new Rejected(Rejection.Reason.UNKNOWN_IMAGE,
                    "no image named " + r.image()));
        }
        VmView vm = new VmView("id-" + r.name(), r.name(), "created", null, r.image() == null ? "tiny" : r.image(),
                r.vcpus() == null ? 1 : r.vcpus(), r.memoryMib() == null ? 256 : r.memoryMib(),
                r.diskMib() == null ? 512 : r.diskMib(), null, null, r.labels() == null ? Map.of() : r.labels(), T0, T0,
                EgressPolicy.orDefault(r.egress()));
        put(vm);
        return CompletableFuture.completedFuture(vm);
    }

    @Override
    public CompletionStage<List<VmView>> list() {
        calls.add("list");
        if (listAnswer != null) {
            return listAnswer;
        }
        return CompletableFuture.completedFuture(List.copyOf(vms.values()));
    }

    @Override
    public CompletionStage<VmView> get(String ref) {
        calls.add("get " + ref);
        return find(ref);
    }

    @Override
    public CompletionStage<VmView> patch(String ref, PatchVmRequest r) {
        calls.add("patch " + ref);
        return find(ref).thenApply(vm -> {
            VmView patched = new VmView(vm.id(), vm.name(), vm.state(), vm.stateReason(), vm.image(),
                    r.vcpus() == null ? vm.vcpus() : r.vcpus(), r.memoryMib() == null ? vm.memoryMib() : r.memoryMib(),
                    r.diskMib() == null ? vm.diskMib() : r.diskMib(), vm.address(), vm.pid(),
                    r.labels() == null ? vm.labels() : r.labels(), vm.createdAt(), T0.plusSeconds(60),
                    r.egress() == null ? vm.egress() : r.egress());
            put(patched);
            return patched;
        });
    }

    CompletionStage<VmView> start(String ref) {
        return transition("start", ref, "running");
    }

    CompletionStage<VmView> stop(String ref) {
        return transition("stop", ref, "stopped");
    }

    CompletionStage<VmView> restart(String ref) {
        return transition("restart", ref, "running");
    }

    @Override
    public CompletionStage<VmView> kill(String ref) {
        return transition("kill", ref, "stopped");
    }

    @Override
    public CompletionStage<VmView> pause(String ref) {
        return transition("pause", ref, "paused");
    }

    @Override
    public CompletionStage<VmView> resume(String ref) {
        return transition("resume", ref, "running");
    }

    CompletionStage<VmView> suspend(String ref) {
        return transition("suspend", ref, "suspended");
    }

    @Override
    public void touch(String ref) {
        calls.add("touch " + ref);
    }

    CompletionStage<VmView> delete(String ref) {
        return transition("delete", ref, "deleted");
    }

    @Override
    public CompletionStage<List<HistoryEntry>> history(String ref) {
        calls.add("history " + ref);
        return find(ref).thenApply(vm -> List.of(
                new HistoryEntry(1, "CreateRequested", T0, Map.of("vcpus", 1)),
                new HistoryEntry(2, "Started", T0.plusSeconds(5), Map.of("pid", 4242))));
    }

    @Override
    public CompletionStage<Path> consoleLog(String ref) {
        calls.add("console " + ref);
        return find(ref).thenApply(vm -> consoleDir.resolve(vm.id() + ".log"));
    }

    @Override
    public CompletionStage<List<ImageView>> images() {
        calls.add("images");
        List<ImageView> all = new java.util.ArrayList<>(List.of(image("tiny")));
        all.addAll(made);
        return CompletableFuture.completedFuture(all);
    }

    @Override
    public CompletionStage<ImageView> registerImage(String name, String os, String kernel, String initrd, String rootfs) {
        calls.add("register image " + name);
        return CompletableFuture.completedFuture(image(name));
    }

    @Override
    public CompletionStage<ImageView> deleteImage(String name) {
        calls.add("delete image " + name);
        return CompletableFuture.completedFuture(image(name));
    }

    @Override
    public CompletionStage<ImageView> promoteVm(String ref, String name) {
        calls.add("promote " + ref + " " + name);
        return CompletableFuture.completedFuture(image(name));
    }

    static ImageView image(String name) {
        return new ImageView(name, "tiny", "/img/" + name + "/vmlinuz", "/img/" + name + "/initrd", null,
                "/img/" + name + "/rootfs.ext4", 64L << 20, T0);
    }

    private CompletionStage<VmView> transition(String op, String ref, String state) {
        calls.add(op + " " + ref);
        return find(ref).thenApplyAsync(vm -> {
            VmView next = new VmView(vm.id(), vm.name(), state, null, vm.image(), vm.vcpus(), vm.memoryMib(),
                    vm.diskMib(), vm.address(), vm.pid(), vm.labels(), vm.createdAt(), T0.plusSeconds(30));
            put(next);
            return next;
        }, CompletableFuture.delayedExecutor(transitionTakes.toMillis(), TimeUnit.MILLISECONDS));
    }

    private CompletionStage<VmView> find(String ref) {
        return vms.values().stream().filter(vm -> vm.id().equals(ref) || vm.name().equals(ref)).findFirst()
                .map(CompletableFuture::completedFuture)
                .orElseGet(() -> CompletableFuture.failedFuture(
                        new Rejected(Rejection.Reason.NOT_FOUND, "no VM named " + ref)));
    }
}
