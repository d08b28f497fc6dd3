package banger.workspace;

/**
 * A piece of slow guest I/O run by a VM's {@link Workspace} actor on the workspace executor. A job that returns
 * an {@link java.io.InputStream} (a download) holds its place until that stream is closed.
 */
@FunctionalInterface
public interface GuestJob<T> {

    /** Runs blocking; {@code abort} is how the actor ends it early (the VM is stopping). */
    T run(banger.guest.SshAbort abort) throws Exception;
}
