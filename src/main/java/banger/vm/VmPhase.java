package banger.vm;

import java.util.Locale;

/** Where a VM is in its lifecycle. Transitional phases stash lifecycle commands until their outcome. */
public enum VmPhase {
    CREATED, STARTING, RUNNING, STOPPING, STOPPED, FAILED, DELETING, DELETED;

    public boolean transitional() {
        return this == STARTING || this == STOPPING || this == DELETING;
    }

    /** Phases in which the VM's sizes may change: nothing of it runs. */
    public boolean quiescent() {
        return this == CREATED || this == STOPPED || this == FAILED;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static VmPhase fromWire(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
