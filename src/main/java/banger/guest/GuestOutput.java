package banger.guest;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;

/**
 * A guest command's stdout as a stream, read as the guest writes it (SSH flow control holds the guest back
 * while nobody reads). At its end the command's exit status is checked: a failed command makes the last read
 * throw, with its stderr, so a truncated download never passes for a complete one. Closing ends the session.
 */
public final class GuestOutput extends InputStream {

    private static final Duration EXIT_WAIT = Duration.ofSeconds(30);

    private final ClientSession session;
    private final ChannelExec channel;
    private final InputStream stdout;
    private final BoundedBuffer stderr;
    private final String command;
    private boolean checked;

    GuestOutput(ClientSession session, ChannelExec channel, BoundedBuffer stderr, String command) {
        this.session = session;
        this.channel = channel;
        this.stdout = channel.getInvertedOut();
        this.stderr = stderr;
        this.command = command;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = stdout.read(b, off, len);
        if (n < 0) {
            checkExit();
        }
        return n;
    }

    private void checkExit() throws IOException {
        if (checked) {
            return;
        }
        checked = true;
        Set<ClientChannelEvent> events = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED,
                ClientChannelEvent.EXIT_STATUS, ClientChannelEvent.EXIT_SIGNAL), EXIT_WAIT);
        if (events.contains(ClientChannelEvent.TIMEOUT)) {
            throw new IOException("the guest command did not report how it ended: " + command);
        }
        ExecResult r = GuestSsh.result(new byte[0], stderr.bytes(), channel.getExitStatus(), channel.getExitSignal());
        if (!r.ok()) {
            throw new IOException("guest command failed (exit " + r.exitCode() + "): " + r.stderrText().strip());
        }
    }

    @Override
    public void close() {
        channel.close(true);
        session.close(true);
    }
}
