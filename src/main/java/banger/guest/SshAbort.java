package banger.guest;

import java.io.Closeable;
import java.io.IOException;

/**
 * Lets another thread end a streaming guest command: {@link #abort()} closes its SSH session at once (a stream
 * blocked on a guest that is going away would otherwise wait for TCP to give up). Aborting before the command
 * starts makes it fail as soon as it does.
 */
public final class SshAbort {

    private Closeable target;
    private boolean aborted;

    public void abort() {
        Closeable current;
        synchronized (this) {
            aborted = true;
            current = target;
        }
        closeQuietly(current);
    }

    public synchronized boolean aborted() {
        return aborted;
    }

    void attach(Closeable session) {
        boolean late;
        synchronized (this) {
            target = session;
            late = aborted;
        }
        if (late) {
            closeQuietly(session);
        }
    }

    private static void closeQuietly(Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException ignored) {
            // the session is gone either way
        }
    }
}
