package banger.vmm.qemu;

import banger.vmm.VmmException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.io.OutputStreamWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** A short QMP conversation over QEMU's unix socket: handshake, then one command. */
final class QmpClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    // closing the channel is the only way to bound a blocking read on a unix socket
    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "qmp-deadline");
        t.setDaemon(true);
        return t;
    });

    private QmpClient() {
    }

    /** Negotiates capabilities and runs {@code command}; throws unless QEMU answers with "return". */
    static JsonNode execute(Path socket, String command, Duration timeout) {
        return execute(socket, command, Map.of(), timeout);
    }

    /** As {@link #execute(Path, String, Duration)}, with the command's {@code arguments}. */
    static JsonNode execute(Path socket, String command, Map<String, Object> arguments, Duration timeout) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ScheduledFuture<?> deadline = DEADLINES.schedule(() -> closeQuietly(channel), timeout.toMillis(), TimeUnit.MILLISECONDS);
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
                BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
                Writer out = new OutputStreamWriter(Channels.newOutputStream(channel), StandardCharsets.UTF_8);
                JsonNode greeting = readMessage(in);
                if (!greeting.has("QMP")) {
                    throw new VmmException("no QMP greeting on " + socket + ": " + greeting);
                }
                call(in, out, "qmp_capabilities", Map.of());
                return call(in, out, command, arguments);
            } finally {
                deadline.cancel(false);
            }
        } catch (IOException e) {
            throw new VmmException("QMP " + command + " on " + socket + " failed: " + e.getMessage(), e);
        }
    }

    private static JsonNode call(BufferedReader in, Writer out, String command, Map<String, Object> arguments)
            throws IOException {
        Map<String, Object> message = arguments.isEmpty() ? Map.of("execute", command)
                : Map.of("execute", command, "arguments", arguments);
        out.write(JSON.writeValueAsString(message) + "\n");
        out.flush();
        while (true) {
            JsonNode reply = readMessage(in);
            if (reply.has("return")) {
                return reply.get("return");
            }
            if (reply.has("error")) {
                throw new VmmException("QMP " + command + " failed: " + reply.get("error"));
            }
            // asynchronous events (e.g. POWERDOWN) may arrive before the reply
        }
    }

    private static JsonNode readMessage(BufferedReader in) throws IOException {
        String line = in.readLine();
        if (line == null) {
            throw new IOException("QMP socket closed");
        }
        return JSON.readTree(line);
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
