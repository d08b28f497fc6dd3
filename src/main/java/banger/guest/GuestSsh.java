package banger.guest;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Runs commands in guests over SSH (Apache MINA SSHD client) as root with the daemon's key. Guests are new
 * machines each time, so any host key is accepted and nothing is written to a known_hosts file; no ~/.ssh
 * config or keys are read either. Calls block: use them from the blocking dispatcher. Thread-safe.
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

    private final SshClient client;
    private final KeyPair identity;
    private final String user;

    public GuestSsh(KeyPair identity) {
        this(identity, "root");
    }

    public GuestSsh(KeyPair identity, String user) {
        this.identity = identity;
        this.user = user;
        client = SshClient.setUpDefaultClient();
        // a fresh guest has a fresh host key; the channel is a host-local bridge, not the internet
        client.setServerKeyVerifier((session, remote, key) -> true);
        client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        client.start();
    }

    /** Runs argv (quoted with {@link ShellQuote}) with stdin (null for none) and waits for it to finish. */
    public ExecResult exec(String host, int port, List<String> argv, byte[] stdin, Duration timeout) {
        String command = ShellQuote.join(argv);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (ClientSession session = openSession(host, port, timeout);
             ChannelExec channel = session.createExecChannel(command)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
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
            return result(out.toByteArray(), err.toByteArray(), channel.getExitStatus(), channel.getExitSignal());
        } catch (IOException e) {
            throw new GuestSshException("SSH to " + user + "@" + host + ":" + port + " failed: " + e.getMessage(), e);
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

    private ClientSession openSession(String host, int port, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ClientSession session = client.connect(user, host, port).verify(remaining(deadline)).getSession();
        try {
            session.addPublicKeyIdentity(identity);
            session.auth().verify(remaining(deadline));
            return session;
        } catch (IOException | RuntimeException e) {
            session.close(true);
            throw e;
        }
    }

    private static Duration remaining(long deadlineNanos) {
        return Duration.ofNanos(Math.max(1_000_000, deadlineNanos - System.nanoTime()));
    }
}
