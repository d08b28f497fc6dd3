package banger.vm.admission;

import banger.vm.ForwardingVmControl;
import banger.vm.VmControl;
import banger.wire.PatchVmRequest;
import banger.wire.VmView;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Shows each VM that waits for a boot slot with its place in {@link BootAdmission}'s line
 * ({@link VmView#queuePosition()}, 1 boots next) wherever the API shows a VM.
 */
public final class QueuedVmControl extends ForwardingVmControl {

    private final BootAdmission admission;

    public QueuedVmControl(VmControl inner, BootAdmission admission) {
        super(inner);
        this.admission = admission;
    }

    @Override
    public CompletionStage<List<VmView>> list() {
        return inner.list().thenApply(vms -> vms.stream().map(this::shown).toList());
    }

    @Override
    public CompletionStage<VmView> get(String ref) {
        return inner.get(ref).thenApply(this::shown);
    }

    @Override
    public CompletionStage<VmView> patch(String ref, PatchVmRequest request) {
        return inner.patch(ref, request).thenApply(this::shown);
    }

    private VmView shown(VmView vm) {
        if (!"starting".equals(vm.state())) {
            return vm;
        }
        int position = admission.positionOf(vm.id());
        return position > 0 ? vm.withQueuePosition(position) : vm;
    }
}
