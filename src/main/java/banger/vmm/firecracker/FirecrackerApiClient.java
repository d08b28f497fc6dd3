package banger.vmm.firecracker;

import banger.vmm.VmmException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * Minimal HTTP/1.1 client for Firecracker's API unix socket: one request per connection, bodies with
 * Content-Length, every request bounded by a timeout. Blocking: call it from the blocking dispatcher.
 */
public final class FirecrackerApiClient {

    /** A response: HTTP status and body text (empty when there is none). */
    public record Response(int status, String body) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_RESPONSE_BYTES = 1 << 20;

    private final Path socket;
    private final Duration timeout;

    public FirecrackerApiClient(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    /** {@code GET /}: the InstanceInfo (app_name, id, state, vmm_version). */
    public JsonNode describeInstance() {
        return json(checked("GET", "/", request("GET", "/", null)));
    }

    /** {@code GET /machine-config}: the MachineConfiguration in effect. */
    public JsonNode machineConfig() {
        return json(checked("GET", "/machine-config", request("GET", "/machine-config", null)));
    }

    /** {@code PUT /actions {"action_type":"SendCtrlAltDel"}}: presses Ctrl+Alt+Del on the guest's keyboard. */
    public void sendCtrlAltDel() {
        checked("PUT", "/actions", request("PUT", "/actions", "{\"action_type\":\"SendCtrlAltDel\"}"));
    }

    /** Sends one request and returns the response whatever its status; throws on transport errors or timeout. */
    /** PATCH /vm {"state": "Paused" | "Resumed"}. */
    public void setState(String state) {
        checked("PATCH", "/vm", request("PATCH", "/vm", "{\"state\":\"" + state + "\"}"));
    }

    public Response request(String method, String path, String jsonBody) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
             Selector selector = Selector.open()) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.configureBlocking(false);
            write(ch, selector, encode(method, path, jsonBody), deadline);
            return read(ch, selector, deadline);
        } catch (IOException e) {
            throw new VmmException("Firecracker API " + socket + ": " + method + " " + path + " failed: " + e.getMessage(), e);
        }
    }

    private static byte[] encode(String method, String path, String jsonBody) {
        byte[] body = jsonBody == null ? new byte[0] : jsonBody.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder()
                .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: localhost\r\n")
                .append("Accept: application/json\r\n");
        if (jsonBody != null) {
            head.append("Content-Type: application/json\r\n").append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    private void write(SocketChannel ch, Selector selector, byte[] bytes, long deadline) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        SelectionKey key = ch.register(selector, SelectionKey.OP_WRITE);
        while (buf.hasRemaining()) {
            if (ch.write(buf) == 0) {
                await(selector, deadline);
            }
        }
        key.interestOps(SelectionKey.OP_READ);
    }

    private Response read(SocketChannel ch, Selector selector, long deadline) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        int headerEnd = -1;
        int status = 0;
        long contentLength = -1;
        boolean eof = false;
        while (true) {
            if (headerEnd < 0) {
                headerEnd = indexOfHeaderEnd(received.toByteArray());
                if (headerEnd >= 0) {
                    String head = new String(received.toByteArray(), 0, headerEnd, StandardCharsets.ISO_8859_1);
                    status = parseStatus(head);
                    contentLength = bodyLength(head, status);
                }
            }
            if (headerEnd >= 0 && contentLength >= 0 && received.size() - headerEnd - 4 >= contentLength) {
                byte[] all = received.toByteArray();
                return new Response(status, new String(all, headerEnd + 4, (int) contentLength, StandardCharsets.UTF_8));
            }
            if (eof) {
                if (headerEnd >= 0 && contentLength < 0) {
                    byte[] all = received.toByteArray();
                    return new Response(status, new String(all, headerEnd + 4, all.length - headerEnd - 4, StandardCharsets.UTF_8));
                }
                throw new IOException("connection closed before a complete response");
            }
            if (received.size() > MAX_RESPONSE_BYTES) {
                throw new IOException("response larger than " + MAX_RESPONSE_BYTES + " bytes");
            }
            buf.clear();
            int n = ch.read(buf);
            if (n < 0) {
                eof = true;
            } else if (n == 0) {
                await(selector, deadline);
            } else {
                received.write(buf.array(), 0, n);
            }
        }
    }

    private void await(Selector selector, long deadline) throws IOException {
        long remainingMs = (deadline - System.nanoTime()) / 1_000_000;
        if (remainingMs <= 0) {
            throw new IOException("no answer within " + timeout.toMillis() + " ms");
        }
        selector.select(remainingMs);
        selector.selectedKeys().clear();
    }

    private static int indexOfHeaderEnd(byte[] b) {
        for (int i = 0; i + 3 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static int parseStatus(String head) throws IOException {
        String statusLine = head.split("\r\n", 2)[0];
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP/1.x status line: '" + statusLine + "'");
        }
        try {
            return Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("bad status in '" + statusLine + "'");
        }
    }

    /** Content-Length, 0 for statuses that never have a body, or -1 to read until the peer closes. */
    private static long bodyLength(String head, int status) throws IOException {
        if (status == 204 || status == 304 || status / 100 == 1) {
            return 0;
        }
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
                try {
                    return Long.parseLong(line.substring(colon + 1).trim());
                } catch (NumberFormatException e) {
                    throw new IOException("bad Content-Length in '" + line + "'");
                }
            }
        }
        return -1;
    }

    private Response checked(String method, String path, Response r) {
        if (!r.ok()) {
            throw new VmmException("Firecracker API " + socket + ": " + method + " " + path + " answered "
                    + r.status() + ": " + faultMessage(r.body()));
        }
        return r;
    }

    private static String faultMessage(String body) {
        try {
            JsonNode fault = JSON.readTree(body).path("fault_message");
            return fault.isTextual() ? fault.asText() : body;
        } catch (IOException e) {
            return body;
        }
    }

    private JsonNode json(Response r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new VmmException("Firecracker API " + socket + " answered invalid JSON: " + r.body(), e);
        }
    }
}
