package banger.vm;

import banger.wire.HistoryEntry;
import banger.wire.ImageView;
import banger.wire.PatchVmRequest;
import banger.wire.VmView;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** A {@link VmControl} that passes every call to another; decorators override only what they change. */
public abstract class ForwardingVmControl implements VmControl {

    protected final VmControl inner;

    protected ForwardingVmControl(VmControl inner) {
        this.inner = inner;
    }

    @Override
    public CompletionStage<List<VmView>> list() {
        return inner.list();
    }

    @Override
    public CompletionStage<VmView> get(String ref) {
        return inner.get(ref);
    }

    @Override
    public CompletionStage<VmView> patch(String ref, PatchVmRequest request) {
        return inner.patch(ref, request);
    }

    @Override
    public CompletionStage<VmView> kill(String ref) {
        return inner.kill(ref);
    }

    @Override
    public CompletionStage<List<HistoryEntry>> history(String ref) {
        return inner.history(ref);
    }

    @Override
    public CompletionStage<Path> consoleLog(String ref) {
        return inner.consoleLog(ref);
    }

    @Override
    public CompletionStage<List<ImageView>> images() {
        return inner.images();
    }

    @Override
    public CompletionStage<ImageView> registerImage(String name, String os, String kernel, String initrd, String rootfs) {
        return inner.registerImage(name, os, kernel, initrd, rootfs);
    }

    @Override
    public CompletionStage<ImageView> deleteImage(String name) {
        return inner.deleteImage(name);
    }

    @Override
    public CompletionStage<ImageView> promoteVm(String ref, String name) {
        return inner.promoteVm(ref, name);
    }

    @Override
    public CompletionStage<VmView> pause(String ref) {
        return inner.pause(ref);
    }

    @Override
    public CompletionStage<VmView> resume(String ref) {
        return inner.resume(ref);
    }

    @Override
    public void touch(String ref) {
        inner.touch(ref);
    }
}
