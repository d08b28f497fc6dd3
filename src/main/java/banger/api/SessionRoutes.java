package banger.api;

import banger.session.SessionControl;
import banger.session.StartSessionRequest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.ws.BinaryMessage;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/** The guest-session routes under /v1/vms/{ref}/sessions, over {@link SessionControl}. */
public final class SessionRoutes extends AllDirectives {

    /** The response header naming the absolute offset of the first output byte in the body. */
    public static final String OFFSET_HEADER = "Banger-Output-Offset";
    private static final Set<String> SIGNALS = Set.of("INT", "TERM", "KILL", "HUP");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern SESSION_NAME = Pattern.compile("[a-z][a-z0-9-]{0,62}");
    private static final int MAX_ARGV_BYTES = 128 * 1024;
    private static final Duration BODY_READ = Duration.ofSeconds(30);

    private final SessionControl sessions;
    private final ObjectMapper mapper;
    private final long maxBodyBytes;

    SessionRoutes(SessionControl sessions, ObjectMapper mapper, long maxBodyBytes) {
        this.sessions = sessions;
        this.mapper = mapper;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** The session endpoints, for the route table. */
    List<Endpoint> endpoints() {
        return List.of(
                Endpoint.authed("POST", "/v1/vms/{ref}/sessions", p -> start(p.get("ref"))),
                Endpoint.authed("GET", "/v1/vms/{ref}/sessions",
                        p -> ok(sessions.list(p.get("ref")).thenApply(l -> Map.of("sessions", l)))),
                Endpoint.authed("GET", "/v1/vms/{ref}/sessions/{sid}", p -> ok(sessions.get(p.get("ref"), p.get("sid")))),
                Endpoint.authed("DELETE", "/v1/vms/{ref}/sessions/{sid}",
                        p -> ok(sessions.remove(p.get("ref"), p.get("sid")))),
                Endpoint.authed("GET", "/v1/vms/{ref}/sessions/{sid}/output", p -> output(p.get("ref"), p.get("sid"))),
                Endpoint.authed("POST", "/v1/vms/{ref}/sessions/{sid}/input", p -> input(p.get("ref"), p.get("sid"))),
                Endpoint.authed("POST", "/v1/vms/{ref}/sessions/{sid}/signal", p -> signal(p.get("ref"), p.get("sid"))),
                Endpoint.authed("GET", "/v1/vms/{ref}/sessions/{sid}/attach", p -> attach(p.get("ref"), p.get("sid"))));
    }

    Route start(String vm) {
        return body(raw -> {
            StartSessionRequest request = JsonBodies.parse(mapper, raw, StartSessionRequest.class);
            validate(request);
            return respond(201, sessions.start(vm, request));
        });
    }

    Route output(String vm, String sid) {
        return parameterOptional("offset", offset -> parameterOptional("follow", follow -> {
            long from = offset.map(SessionRoutes::offset).orElse(0L);
            return onSuccess(sessions.output(vm, sid, from, flag("follow", follow)), out -> complete(
                    HttpResponse.create()
                            .addHeader(RawHeader.create(OFFSET_HEADER, Long.toString(out.offset())))
                            .withEntity(HttpEntities.createChunked(ContentTypes.APPLICATION_OCTET_STREAM,
                                    out.bytes()))));
        }));
    }

    Route input(String vm, String sid) {
        return parameterOptional("eof", eof -> body(raw ->
                ok(sessions.input(vm, sid, raw.toArray(), flag("eof", eof)))));
    }

    Route signal(String vm, String sid) {
        return body(raw -> {
            JsonNode json = JsonBodies.parse(mapper, raw, JsonNode.class);
            JsonNode signal = json.path("signal");
            if (!json.isObject() || json.size() != 1 || !signal.isTextual()) {
                throw ApiProblem.invalidField("signal", "required, one of " + String.join(", ", SIGNALS.stream().sorted().toList()));
            }
            String name = signal.asText().toUpperCase().replaceFirst("^SIG", "");
            if (!SIGNALS.contains(name)) {
                throw ApiProblem.invalidField("signal", "must be one of " + String.join(", ", SIGNALS.stream().sorted().toList()));
            }
            return ok(sessions.signal(vm, sid, name));
        });
    }

    /**
     * A WebSocket: binary frames from the client go to stdin, the output comes back as binary frames; a text frame
     * {"resize":{"cols":C,"rows":R}} resizes a tty session. Closing the socket detaches; the session goes on.
     */
    Route attach(String vm, String sid) {
        return extractRequest(request -> request.getAttribute(AttributeKeys.webSocketUpgrade).isEmpty()
                ? complete(new ApiErrors(mapper).response(ApiErrorCode.UPGRADE_REQUIRED,
                        "attach is a WebSocket: send the request with Upgrade: websocket"))
                : parameterOptional("offset", offset -> {
            Long from = offset.map(SessionRoutes::offset).orElse(null);
            return onSuccess(sessions.attach(vm, sid, from), attachment -> {
                Sink<Message, NotUsed> in = Flow.<Message>create()
                        .flatMapConcat(m -> frameBytes(attachment, m))
                        .filter(b -> !b.isEmpty())
                        .to(attachment.input());
                Source<Message, NotUsed> out = attachment.output().map(b -> (Message) BinaryMessage.create(b));
                return handleWebSocketMessages(Flow.fromSinkAndSourceCoupled(in, out));
            });
        }));
    }

    /** A binary frame's bytes go to stdin; a text frame is a resize and gives none. */
    private Source<ByteString, NotUsed> frameBytes(SessionControl.Attachment attachment, Message m) {
        if (m.isText()) {
            return m.asTextMessage().getStreamedText().fold("", String::concat).map(text -> {
                resize(attachment, text);
                return ByteString.emptyByteString();
            }).mapMaterializedValue(x -> NotUsed.getInstance());
        }
        return m.asBinaryMessage().getStreamedData().mapMaterializedValue(x -> NotUsed.getInstance());
    }

    private void resize(SessionControl.Attachment attachment, String text) {
        try {
            JsonNode size = mapper.readTree(text).path("resize");
            int cols = size.path("cols").asInt(0);
            int rows = size.path("rows").asInt(0);
            if (cols > 0 && cols < 10000 && rows > 0 && rows < 10000) {
                attachment.resize(cols, rows);
            }
        } catch (IOException ignored) {
            // a text frame that is not a resize is not for us; the session goes on
        }
    }

    private void validate(StartSessionRequest r) {
        if (r.argv() == null || r.argv().isEmpty()) {
            throw ApiProblem.invalidField("argv", "required: the command and its arguments");
        }
        long bytes = 0;
        for (int i = 0; i < r.argv().size(); i++) {
            String arg = r.argv().get(i);
            if (arg == null || arg.indexOf('\0') >= 0) {
                throw ApiProblem.invalidField("argv[" + i + "]", "must be a string without NUL");
            }
            bytes += arg.length();
        }
        if (r.argv().get(0).isEmpty()) {
            throw ApiProblem.invalidField("argv[0]", "the command must not be empty");
        }
        if (r.env() != null) {
            for (Map.Entry<String, String> e : r.env().entrySet()) {
                if (!ENV_NAME.matcher(e.getKey()).matches()) {
                    throw ApiProblem.invalidField("env", "\"" + e.getKey() + "\" is not a variable name");
                }
                if (e.getValue() == null || e.getValue().indexOf('\0') >= 0) {
                    throw ApiProblem.invalidField("env." + e.getKey(), "must be a string without NUL");
                }
                bytes += e.getKey().length() + e.getValue().length();
            }
        }
        if (bytes > MAX_ARGV_BYTES) {
            throw ApiProblem.invalid("argv and env together may hold at most " + MAX_ARGV_BYTES + " characters");
        }
        if (r.cwd() != null && (!r.cwd().startsWith("/") || r.cwd().indexOf('\0') >= 0)) {
            throw ApiProblem.invalidField("cwd", "must be an absolute path");
        }
        if (r.name() != null && !SESSION_NAME.matcher(r.name()).matches()) {
            throw ApiProblem.invalidField("name", "must be a lowercase label (a-z, 0-9, '-', starting with a letter)");
        }
    }

    private Route body(Function<ByteString, Route> inner) {
        return extractRequestEntity(entity -> extractMaterializer(materializer -> onSuccess(
                entity.withSizeLimit(maxBodyBytes).toStrict(BODY_READ.toMillis(), materializer),
                strict -> inner.apply(strict.getData()))));
    }

    private Route ok(CompletionStage<?> stage) {
        return respond(200, stage);
    }

    private Route respond(int status, CompletionStage<?> stage) {
        return completeWithFuture(stage.thenApply(value -> HttpResponse.create().withStatus(status)
                .withEntity(ContentTypes.APPLICATION_JSON, ApiJson.write(mapper, value))));
    }

    private static long offset(String value) {
        try {
            long n = Long.parseLong(value.strip());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw ApiProblem.invalidField("offset", "must be a non-negative byte offset, got \"" + value + "\"");
    }

    private static boolean flag(String name, Optional<String> value) {
        return switch (value.orElse("false")) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw ApiProblem.invalidField(name, "must be true or false");
        };
    }
}
