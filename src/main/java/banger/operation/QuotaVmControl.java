package banger.operation;

import banger.vm.ForwardingVmControl;
import banger.vm.VmControl;
import banger.wire.PatchVmRequest;
import banger.wire.VmView;
import java.util.concurrent.CompletionStage;

/**
 * Refuses a PATCH that would grow a VM past a host budget with 409 naming the budget, through the same
 * {@link HostQuota} as creates, so a resize and a create cannot both take the last of a budget. Everything
 * else passes through.
 */
public final class QuotaVmControl extends ForwardingVmControl {

    private final HostQuota quota;

    public QuotaVmControl(VmControl inner, HostQuota quota) {
        super(inner);
        this.quota = quota;
    }

    @Override
    public CompletionStage<VmView> patch(String ref, PatchVmRequest request) {
        return quota.admitResize(ref, request, () -> inner.patch(ref, request));
    }
}
