package banger.api;

import banger.vm.RequestRejected;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Allow;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MalformedRequestContentRejection;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.pattern.AskTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Renders every failure, ours or pekko-http's, as the one JSON error shape with the right status. */
final class ApiErrors extends AllDirectives {

    private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

    private final ObjectMapper mapper;

    ApiErrors(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    HttpResponse response(int status, String code, String message, Map<String, Object> details) {
        return HttpResponse.create()
                .withStatus(status)
                .withEntity(ContentTypes.APPLICATION_JSON,
                        ApiJson.write(mapper, ErrorBody.of(code, message, details)));
    }

    HttpResponse response(int status, String code, String message) {
        return response(status, code, message, Map.of());
    }

    /** The response for a failed request; unexpected exceptions are logged here and never shown to the client. */
    HttpResponse response(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof ApiProblem p) {
            return response(p.status, p.code, p.getMessage(), p.details);
        }
        if (t instanceof RequestRejected r) {
            return response(r.reason().status, r.reason().code, r.getMessage());
        }
        if (t instanceof EntityStreamSizeException e) {
            return tooLarge(e);
        }
        if (t instanceof AskTimeoutException || t instanceof TimeoutException) {
            return response(503, "unavailable", "the daemon did not answer in time; try again");
        }
        log.error("request failed unexpectedly", t);
        return response(500, "internal", "internal error; see the daemon log");
    }

    ExceptionHandler exceptionHandler() {
        return ExceptionHandler.newBuilder().matchAny(t -> complete(response(t))).build();
    }

    RejectionHandler rejectionHandler() {
        return RejectionHandler.newBuilder()
                .handleAll(MethodRejection.class, rejections -> {
                    List<HttpMethod> allowed = rejections.stream().map(MethodRejection::supported).distinct().toList();
                    return extractRequest(request -> complete(
                            response(405, "method_not_allowed", request.method().name() + " is not allowed on "
                                    + request.getUri().path() + "; allowed: "
                                    + String.join(", ", allowed.stream().map(HttpMethod::name).toList()))
                                    .addHeader(Allow.create(allowed.toArray(HttpMethod[]::new)))));
                })
                .handle(MalformedRequestContentRejection.class, r -> complete(
                        r.getCause() instanceof EntityStreamSizeException e
                                ? tooLarge(e)
                                : response(400, "invalid_request", "malformed request body: " + r.message())))
                .handleNotFound(extractRequest(request -> complete(response(404, "not_found",
                        "no route for " + request.method().name() + " " + request.getUri().path()))))
                .build()
                .withFallback(RejectionHandler.defaultHandler().mapRejectionResponse(this::asJsonError));
    }

    private HttpResponse tooLarge(EntityStreamSizeException e) {
        return response(ApiProblem.tooLarge(e.limit()));
    }

    /** pekko-http's own rejection responses are plain text; keep their status and message, in our shape. */
    private HttpResponse asJsonError(HttpResponse response) {
        if (response.entity().getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
            return response;
        }
        String message = response.entity() instanceof HttpEntity.Strict strict
                ? strict.getData().utf8String()
                : response.status().reason();
        int status = response.status().intValue();
        HttpResponse json = response(status, codeFor(status), message);
        return json.withHeaders(response.getHeaders());
    }

    private static String codeFor(int status) {
        return switch (status) {
            case 400 -> "invalid_request";
            case 401 -> "unauthorized";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 406 -> "not_acceptable";
            case 409 -> "conflict";
            case 413 -> "payload_too_large";
            case 415 -> "unsupported_media_type";
            case 429 -> "too_many_requests";
            case 503 -> "unavailable";
            default -> status >= 500 ? "internal" : StatusCodes.get(status).reason().toLowerCase()
                    .replaceAll("[^a-z]+", "_");
        };
    }

    private static Throwable unwrap(Throwable t) {
        Throwable current = t;
        while ((current instanceof CompletionException || current instanceof ExecutionException)
                && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }
}
