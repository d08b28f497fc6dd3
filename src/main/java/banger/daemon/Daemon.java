package banger.daemon;

/** Composition root: builds the actor system, drivers and HTTP server. */
public final class Daemon {

    private Daemon() {
    }

    /** Starts the daemon and blocks until the JVM is asked to stop. */
    public static void runUntilStopped(DaemonOptions options) {
        throw new UnsupportedOperationException("daemon wiring lands with the vm package");
    }
}
