package banger.guest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;

/**
 * A command running in a guest over its own SSH connection, its stdin and stdout open as streams (stderr is kept,
 * up to {@link #STDERR_LIMIT} bytes). Reads and writes block: use them off actor threads. {@link #close()} ends the
 * channel and the connection; the command may go on in the guest unless it reads or writes them.
 */
public final class GuestCommand implements AutoCloseable {

    static final int STDERR_LIMIT = 4096;

    private final ClientSession session;
    private final ChannelExec channel;
    private final BoundedBuffer stderr;

    GuestCommand(ClientSession session, ChannelExec channel, BoundedBuffer stderr) {
        this.session = session;
        this.channel = channel;
        this.stderr = stderr;
    }

    /** The command's stdin; closing it sends EOF. */
    public OutputStream stdin() {
        return channel.getInvertedIn();
    }

    /** The command's stdout; it ends when the command closes it (usually on exit). */
    public InputStream stdout() {
        return channel.getInvertedOut();
    }

    /** Waits for the command to end and returns its exit status (-1 when the server sent none). */
    public int awaitExit(Duration timeout) {
        Set<ClientChannelEvent> events = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED,
                ClientChannelEvent.EXIT_STATUS), timeout);
        if (events.contains(ClientChannelEvent.TIMEOUT)) {
            throw new GuestSshException("guest command did not end within " + timeout.toSeconds() + "s");
        }
        Integer status = channel.getExitStatus();
        return status == null ? -1 : status;
    }

    public String stderrText() {
        return stderr.text();
    }

    @Override
    public void close() {
        try {
            channel.close(true);
        } finally {
            session.close(true);
        }
    }

    /** Keeps the first bytes written to it, up to a limit, and drops the rest. */
    static final class BoundedBuffer extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            if (bytes.size() < STDERR_LIMIT) {
                bytes.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            int room = Math.max(0, STDERR_LIMIT - bytes.size());
            bytes.write(b, off, Math.min(room, len));
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
