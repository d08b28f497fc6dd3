package banger.wire;

import java.util.Locale;

/** Where an operation is: pending until its VM is registered, running until the VM is created (and started). */
public enum OperationState {
    PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    public boolean finished() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
