package banger.operation;

import banger.wire.CreateVmRequest;
import banger.wire.OperationView;
import java.util.concurrent.CompletionStage;

/**
 * Refuses a create that would pass a host budget with 409 naming the budget, before the fleet sees it (see
 * {@link HostQuota}, which resizes pass through as well). Everything else passes through.
 */
public final class QuotaOperationControl extends ForwardingOperationControl {

    private final HostQuota quota;

    public QuotaOperationControl(OperationControl inner, HostQuota quota) {
        super(inner);
        this.quota = quota;
    }

    @Override
    public CompletionStage<OperationView> createVm(CreateVmRequest request, String idempotencyKey) {
        return quota.admitCreate(request, () -> inner.createVm(request, idempotencyKey));
    }
}
