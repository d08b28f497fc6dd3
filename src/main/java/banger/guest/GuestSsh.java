package banger.guest;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.channel.StreamingChannel;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.signature.BuiltinSignatures;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Optional;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Runs commands in guests over SSH (Apache MINA SSHD client) as root with the daemon's key. A guest must present
 * the ed25519 host key banger pinned for its address ({@link HostKeyPins}): another key, or none pinned, fails
 * the connection, so a guest spoofing another's address cannot take its commands. No ~/.ssh config, keys or
 * known_hosts are read. Calls block: use them from the blocking dispatcher. Thread-safe.
 */
public final class GuestSsh implements AutoCloseable {

    /** Linux numbers of the signals an SSH server names in exit-signal (those dropbear and OpenSSH know). */
    private static final Map<String, Integer> SIGNAL_NUMBERS = Map.ofEntries(
            Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4),
            Map.entry("TRAP", 5), Map.entry("ABRT", 6), Map.entry("BUS", 7), Map.entry("FPE", 8),
            Map.entry("KILL", 9), Map.entry("USR1", 10), Map.entry("SEGV", 11), Map.entry("USR2", 12),
            Map.entry("PIPE", 13), Map.entry("ALRM", 14), Map.entry("TERM", 15));
    private static final Duration RETRY_PAUSE = Duration.ofMillis(250);
    private static final Duration ATTEMPT_LIMIT = Duration.ofSeconds(5);
    private static final int STDERR_LIMIT = 64 * 1024;

    /** Why the host key was refused, for the error the caller sees. */

    /**
     * Handshakes in flight to one guest: dropbear drops a peer's connections past 5 unauthenticated ones
     * (MAX_UNAUTH_PER_IP), so more at once would be reset rather than queued.
     */
    private static final int HANDSHAKES_PER_GUEST = 4;

    private final SshClient client;
    private final Map<String, Semaphore> handshakes = new ConcurrentHashMap<>();
    /**
     * Why a session's host key was refused, kept outside the session: a refused key closes the session on the
     * I/O thread, which clears its attributes, possibly before the caller looks.
     */
    private final Map<ClientSession, String> refusedKeys = new ConcurrentHashMap<>();
    private final KeyPair identity;
    private final String user;

    public GuestSsh(KeyPair identity, HostKeyPins pins) {
        this(identity, pins, "root");
    }

    public GuestSsh(KeyPair identity, HostKeyPins pins, String user) {
        this.identity = identity;
        this.user = user;
        client = SshClient.setUpDefaultClient();
        if (pins != HostKeyPins.ACCEPT_ANY) {
            // pins are ed25519: a server must not get away with offering another kind of key instead
            client.setSignatureFactories(List.of(BuiltinSignatures.ed25519));
        }
        client.setServerKeyVerifier((session, remote, key) -> verify(pins, refusedKeys, session, remote, key));
        client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        client.start();
    }

    /** Runs argv (quoted with {@link ShellQuote}) with stdin (null for none) and waits for it to finish. */
    public ExecResult exec(String host, int port, List<String> argv, byte[] stdin, Duration timeout) {
        return exec(host, port, argv, stdin, timeout, Long.MAX_VALUE);
    }

    /**
     * As {@link #exec(String, int, List, byte[], Duration)}, keeping at most {@code maxOutputBytes} of stdout and
     * of stderr each: once either passes it, the channel is closed (the command ends without an exit status)
     * and the result is marked truncated.
     */
    public ExecResult exec(String host, int port, List<String> argv, byte[] stdin, Duration timeout,
                           long maxOutputBytes) {
        String command = ShellQuote.join(argv);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (ClientSession session = openSession(host, port, timeout);
             ChannelExec channel = session.createExecChannel(command)) {
            CappedOutput out = new CappedOutput(maxOutputBytes, () -> channel.close(true));
            CappedOutput err = new CappedOutput(maxOutputBytes, () -> channel.close(true));
            channel.setOut(out);
            channel.setErr(err);
            // the stream's end becomes the command's EOF, so `cat` and friends terminate
            channel.setIn(new ByteArrayInputStream(stdin == null ? new byte[0] : stdin));
            channel.open().verify(remaining(deadline));
            Set<ClientChannelEvent> events = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), remaining(deadline));
            if (events.contains(ClientChannelEvent.TIMEOUT)) {
                throw new GuestSshException("command in " + host + ":" + port + " did not finish within "
                        + timeout.toSeconds() + "s: " + command);
            }
            ExecResult result = result(out.bytes(), err.bytes(), channel.getExitStatus(), channel.getExitSignal());
            return out.truncated() || err.truncated()
                    ? new ExecResult(result.stdout(), result.stderr(), result.exitCode(), true) : result;
        } catch (IOException e) {
            throw new GuestSshException("SSH to " + user + "@" + host + ":" + port + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Runs argv (quoted with {@link ShellQuote}) streaming: stdin is read from {@code stdin} to its end (then
     * EOF), as fast as the guest takes it; stdout goes to {@code stdout} as it arrives, from an SSH I/O thread,
     * so that stream must not block; stderr is kept up to 64 KiB. The result's stdout is empty. Throws when the
     * command cannot run, times out, is aborted through {@code abort} (may be null), or when reading
     * {@code stdin} failed before its end (the command then saw a closed channel, never a clean EOF).
     */
    public ExecResult execStreaming(String host, int port, List<String> argv, InputStream stdin, OutputStream stdout,
                                    Duration timeout, SshAbort abort) {
        String command = ShellQuote.join(argv);
        long deadline = System.nanoTime() + timeout.toNanos();
        TrackedInput input = new TrackedInput(stdin);
        try (ClientSession session = openSession(host, port, timeout);
             ChannelExec channel = session.createExecChannel(command)) {
            if (abort != null) {
                abort.attach(session);
            }
            BoundedBuffer err = new BoundedBuffer(STDERR_LIMIT);
            channel.setOut(stdout);
            channel.setErr(err);
            channel.setIn(input);
            channel.open().verify(remaining(deadline));
            Set<ClientChannelEvent> events = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), remaining(deadline));
            if (abort != null && abort.aborted()) {
                throw new GuestSshException("command in " + host + " was aborted: " + command);
            }
            if (events.contains(ClientChannelEvent.TIMEOUT)) {
                throw new GuestSshException("command in " + host + ":" + port + " did not finish within "
                        + timeout.toSeconds() + "s: " + command);
            }
            if (input.failure != null) {
                throw new GuestInputException("the input for the command in " + host + " ended early: "
                        + input.failure.getMessage(), input.failure);
            }
            return result(new byte[0], err.bytes(), channel.getExitStatus(), channel.getExitSignal());
        } catch (IOException e) {
            if (abort != null && abort.aborted()) {
                throw new GuestSshException("command in " + host + " was aborted: " + command, e);
            }
            throw new GuestSshException("SSH to " + user + "@" + host + ":" + port + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Starts argv with no stdin and hands back its stdout to read at the reader's pace ({@link GuestOutput}):
     * the session stays open until the stream is closed. {@code abort} (may be null) closes it from elsewhere.
     */
    public GuestOutput openOutput(String host, int port, List<String> argv, Duration connectTimeout, SshAbort abort) {
        String command = ShellQuote.join(argv);
        ClientSession session = null;
        try {
            session = openSession(host, port, connectTimeout);
            if (abort != null) {
                abort.attach(session);
            }
            ChannelExec channel = session.createExecChannel(command);
            BoundedBuffer err = new BoundedBuffer(STDERR_LIMIT);
            channel.setErr(err);
            channel.setIn(new ByteArrayInputStream(new byte[0]));
            channel.open().verify(connectTimeout);
            return new GuestOutput(session, channel, err, command);
        } catch (IOException | RuntimeException e) {
            if (session != null) {
                session.close(true);
            }
            throw new GuestSshException("SSH to " + user + "@" + host + ":" + port + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Starts argv (quoted with {@link ShellQuote}) with its stdin and stdout left open as streams, for commands that
     * stream (a session's output, an attached stdin). The caller closes the returned command.
     */
    public GuestCommand start(String host, int port, List<String> argv, Duration openTimeout) {
        String command = ShellQuote.join(argv);
        long deadline = System.nanoTime() + openTimeout.toNanos();
        ClientSession session = null;
        try {
            session = openSession(host, port, openTimeout);
            ChannelExec channel = session.createExecChannel(command);
            GuestCommand.BoundedBuffer err = new GuestCommand.BoundedBuffer();
            channel.setErr(err);
            channel.setStreaming(StreamingChannel.Streaming.Sync);
            channel.open().verify(remaining(deadline));
            return new GuestCommand(session, channel, err);
        } catch (IOException | RuntimeException e) {
            if (session != null) {
                session.close(true);
            }
            throw new GuestSshException("SSH to " + user + "@" + host + ":" + port + " failed: " + e.getMessage(), e);
        }
    }

    /** Remembers whether reading the input failed: the pump only closes the channel then, silently. */
    private static final class TrackedInput extends FilterInputStream {

        private volatile IOException failure;

        TrackedInput(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException | RuntimeException e) {
                failure = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
                throw failure;
            }
        }

        @Override
        public int available() throws IOException {
            try {
                return super.available();
            } catch (IOException e) {
                return 0;
            }
        }
    }

    /**
     * A command killed by a signal has no exit status, only the signal's name (RFC 4254 6.10, without "SIG"):
     * report it as a shell does, 128 + the signal's number, and say so on stderr if the command said nothing.
     */
    static ExecResult result(byte[] stdout, byte[] stderr, Integer status, String signal) {
        if (status != null || signal == null) {
            return new ExecResult(stdout, stderr, status == null ? -1 : status);
        }
        Integer number = SIGNAL_NUMBERS.get(signal);
        byte[] note = stderr.length > 0 ? stderr
                : ("killed by signal " + signal + "\n").getBytes(StandardCharsets.UTF_8);
        return new ExecResult(stdout, note, number == null ? -1 : 128 + number);
    }

    /** Returns once an authenticated SSH session opens; retries until the deadline, then throws. */
    public void awaitReady(String host, int port, Duration deadline) {
        awaitReady(host, port, deadline, () -> true);
    }

    /**
     * As {@link #awaitReady(String, int, Duration)}, but gives up (throws) before the next attempt once
     * {@code keepTrying} is false, e.g. when the guest's VMM died or its start was aborted: a guest that is gone
     * never answers, and waiting out the deadline would hold its start for minutes.
     */
    public void awaitReady(String host, int port, Duration deadline, BooleanSupplier keepTrying) {
        long end = System.nanoTime() + deadline.toNanos();
        IOException last = null;
        while (System.nanoTime() < end) {
            if (!keepTrying.getAsBoolean()) {
                throw new GuestSshException("stopped waiting for SSH on " + host + ":" + port
                        + ": the guest is no longer starting", last);
            }
            Duration attempt = remaining(end).compareTo(ATTEMPT_LIMIT) < 0 ? remaining(end) : ATTEMPT_LIMIT;
            try (ClientSession ignored = openSession(host, port, attempt)) {
                return;
            } catch (IOException e) {
                last = e;
            }
            try {
                Thread.sleep(Math.min(RETRY_PAUSE.toMillis(), Math.max(1, remaining(end).toMillis())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GuestSshException("interrupted while waiting for SSH on " + host + ":" + port, e);
            }
        }
        throw new GuestSshException("SSH on " + host + ":" + port + " not ready within " + deadline.toSeconds() + "s"
                + (last == null ? "" : ": " + last.getMessage()), last);
    }

    @Override
    public void close() {
        client.stop();
    }

    private static boolean verify(HostKeyPins pins, Map<ClientSession, String> refusedKeys, ClientSession session,
                                  SocketAddress remote, PublicKey key) {
        if (pins == HostKeyPins.ACCEPT_ANY) {
            return true;
        }
        String address = remote instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : String.valueOf(remote);
        Optional<PublicKey> expected = pins.expected(address);
        if (expected.isPresent() && KeyUtils.compareKeys(expected.get(), key)) {
            return true;
        }
        refusedKeys.put(session, expected.isEmpty()
                ? "no SSH host key is pinned for " + address + "; refusing " + KeyUtils.getFingerPrint(key)
                : "SSH host key of " + address + " changed: it presented " + KeyUtils.getFingerPrint(key)
                        + " but banger made this VM " + KeyUtils.getFingerPrint(expected.get())
                        + " (another machine may be answering for it)");
        return false;
    }

    private ClientSession openSession(String host, int port, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Semaphore gate = handshakes.computeIfAbsent(host + ":" + port, k -> new Semaphore(HANDSHAKES_PER_GUEST));
        try {
            if (!gate.tryAcquire(remaining(deadline).toNanos(), TimeUnit.NANOSECONDS)) {
                throw new IOException("too many SSH handshakes to " + host + " in flight for " + timeout.toSeconds() + "s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting to connect to " + host, e);
        }
        try {
            ClientSession session = client.connect(user, host, port).verify(remaining(deadline)).getSession();
            try {
                session.addPublicKeyIdentity(identity);
                session.auth().verify(remaining(deadline));
                return session;
            } catch (IOException | RuntimeException e) {
                session.close(true);
                String refused = refusedKeys.get(session);
                if (refused != null) {
                    throw new HostKeyMismatchException(refused, e);
                }
                throw e;
            } finally {
                refusedKeys.remove(session);
            }
        } finally {
            gate.release();
        }
    }

    private static Duration remaining(long deadlineNanos) {
        return Duration.ofNanos(Math.max(1_000_000, deadlineNanos - System.nanoTime()));
    }
}
