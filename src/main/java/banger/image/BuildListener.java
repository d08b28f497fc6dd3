package banger.image;

import banger.core.Rejected;
import banger.core.Rejection;

/**
 * What an image build reports to and asks of whoever started it: its progress, and whether it was cancelled.
 * Builds call {@link #checkCancelled()} between steps and while copying bytes; blocking waits (processes,
 * sockets) are ended by interrupting the building thread.
 */
public interface BuildListener {

    BuildListener NONE = new BuildListener() {
        @Override
        public void progress(BuildProgress progress) {
        }

        @Override
        public boolean cancelled() {
            return false;
        }
    };

    void progress(BuildProgress progress);

    boolean cancelled();

    /**
     * Has a cancel close {@code resource} (a download stream: closing it ends a read blocked on a silent peer,
     * which an interrupt does not); answers it.
     */
    default <T extends java.io.Closeable> T closeOnCancel(T resource) {
        return resource;
    }

    /** @throws Rejected OPERATION_FAILED once the build was cancelled or its thread interrupted */
    default void checkCancelled() {
        if (cancelled() || Thread.currentThread().isInterrupted()) {
            throw new Rejected(Rejection.Reason.OPERATION_FAILED, "cancelled");
        }
    }
}
