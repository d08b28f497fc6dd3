package banger.vmm.firecracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A stand-in for the firecracker binary, for tests on hosts without one. It takes Firecracker's argv
 * ({@code --api-sock}, {@code --config-file}, {@code --id}), refuses to start (exit 1, like Firecracker)
 * unless the config file validates against the API spec's FullVmConfiguration and the files it names
 * exist (kernel an ELF), then serves the API socket: {@code GET /} (InstanceInfo), {@code GET
 * /machine-config}, {@code PUT /actions} (body validated against InstanceActionInfo; SendCtrlAltDel makes
 * it print a line and exit 0, unless {@code -Dstandin.ignoreCtrlAltDel=true} models a guest that ignores
 * it). Every request is appended as a JSON line to the file named by {@code -Dstandin.requests}.
 */
public final class StandInFirecracker {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9-]{1,64}");

    public static void main(String[] args) throws IOException {
        String apiSock = null;
        String configFile = null;
        String id = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--api-sock" -> apiSock = value;
                case "--config-file" -> configFile = value;
                case "--id" -> id = value;
                default -> fail("unknown argument " + args[i]);
            }
            i++;
        }
        if (apiSock == null || configFile == null || id == null) {
            fail("usage: --api-sock PATH --config-file PATH --id ID");
        }
        if (!ID.matcher(id).matches()) {
            fail("invalid --id " + id);
        }
        Path requests = Path.of(System.getProperty("standin.requests"));
        FirecrackerSpec spec = FirecrackerSpec.load();
        JsonNode config = JSON.readTree(Files.readString(Path.of(configFile)));
        List<String> errors = new ArrayList<>(spec.validate(config, "FullVmConfiguration"));
        errors.addAll(missingFiles(config));
        if (!errors.isEmpty()) {
            fail("invalid config file " + configFile + ": " + errors);
        }
        serve(Path.of(apiSock), id, config, spec, requests);
    }

    private static List<String> missingFiles(JsonNode config) throws IOException {
        List<String> errors = new ArrayList<>();
        Path kernel = Path.of(config.path("boot-source").path("kernel_image_path").asText());
        if (!Files.isRegularFile(kernel)) {
            errors.add("kernel " + kernel + " missing");
        } else {
            try (InputStream in = Files.newInputStream(kernel)) {
                if (!Arrays.equals(in.readNBytes(4), new byte[] {0x7f, 'E', 'L', 'F'})) {
                    errors.add("kernel " + kernel + " is not ELF");
                }
            }
        }
        JsonNode initrd = config.path("boot-source").path("initrd_path");
        if (initrd.isTextual() && !Files.isRegularFile(Path.of(initrd.asText()))) {
            errors.add("initrd " + initrd.asText() + " missing");
        }
        for (JsonNode drive : config.path("drives")) {
            if (!Files.isRegularFile(Path.of(drive.path("path_on_host").asText()))) {
                errors.add("drive " + drive.path("path_on_host").asText() + " missing");
            }
        }
        JsonNode logPath = config.path("logger").path("log_path");
        if (logPath.isTextual() && !Files.isWritable(Path.of(logPath.asText()))) {
            errors.add("log_path " + logPath.asText() + " not writable");
        }
        return errors;
    }

    private static void serve(Path apiSock, String id, JsonNode config, FirecrackerSpec spec, Path requests) throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(apiSock));
            System.out.println("stand-in firecracker " + id + ": guest booting " + config.path("boot-source").path("boot_args").asText());
            while (true) {
                try (SocketChannel conn = server.accept()) {
                    Request req = Request.read(Channels.newInputStream(conn));
                    if (req == null) {
                        continue;
                    }
                    record(requests, req);
                    boolean exit = answer(req, id, config, spec, Channels.newOutputStream(conn))
                            && !Boolean.getBoolean("standin.ignoreCtrlAltDel");
                    if (exit) {
                        System.out.println("stand-in firecracker " + id + ": SendCtrlAltDel received, guest powered off");
                        System.exit(0);
                    }
                }
            }
        }
    }

    /** Answers one request; true when the VM should now exit. */
    private static boolean answer(Request req, String id, JsonNode config, FirecrackerSpec spec, OutputStream out) throws IOException {
        String route = req.method + " " + req.path;
        switch (route) {
            case "GET /" -> {
                ObjectNode info = JSON.createObjectNode()
                        .put("app_name", "Firecracker").put("id", id).put("state", "Running").put("vmm_version", "1.17.0-standin");
                respond(out, 200, info.toString());
                return false;
            }
            case "GET /machine-config" -> {
                respond(out, 200, config.path("machine-config").toString());
                return false;
            }
            case "PUT /actions" -> {
                JsonNode body;
                try {
                    body = JSON.readTree(req.body);
                } catch (IOException e) {
                    respond(out, 400, fault("body is not JSON: " + e.getMessage()));
                    return false;
                }
                List<String> errors = body == null ? List.of("empty body") : spec.validate(body, "InstanceActionInfo");
                if (!errors.isEmpty()) {
                    respond(out, 400, fault(String.join("; ", errors)));
                    return false;
                }
                respond(out, 204, null);
                return body.get("action_type").asText().equals("SendCtrlAltDel");
            }
            default -> {
                respond(out, 400, fault("Invalid request method and/or path: " + route));
                return false;
            }
        }
    }

    private static String fault(String message) {
        return JSON.createObjectNode().put("fault_message", message).toString();
    }

    private static void respond(OutputStream out, int status, String body) throws IOException {
        byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(status == 204 ? " No Content" : status == 200 ? " OK" : " Bad Request").append("\r\n")
                .append("Server: Firecracker API\r\n");
        if (status != 204) {
            head.append("Content-Type: application/json\r\nContent-Length: ").append(b.length).append("\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
    }

    private static void record(Path requests, Request req) throws IOException {
        ObjectNode line = JSON.createObjectNode().put("method", req.method).put("path", req.path).put("body", req.body);
        line.set("headers", JSON.valueToTree(req.headers));
        Files.writeString(requests, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static void fail(String message) {
        System.err.println("stand-in firecracker: " + message);
        System.exit(1);
    }

    private record Request(String method, String path, List<String> headers, String body) {

        /** One HTTP/1.1 request with a Content-Length body, or null if the peer closed without one. */
        static Request read(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            int c;
            while (matched < 4 && (c = in.read()) >= 0) {
                head.write(c);
                matched = (c == "\r\n\r\n".charAt(matched)) ? matched + 1 : (c == '\r' ? 1 : 0);
            }
            if (matched < 4) {
                return null;
            }
            String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
            String[] requestLine = lines[0].split(" ");
            List<String> headers = new ArrayList<>(Arrays.asList(lines).subList(1, lines.length));
            int length = 0;
            for (String h : headers) {
                if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(h.substring("content-length:".length()).trim());
                }
            }
            byte[] body = in.readNBytes(length);
            return new Request(requestLine[0], requestLine[1], headers, new String(body, StandardCharsets.UTF_8));
        }
    }
}
