package banger.api;

import banger.core.Rejected;
import banger.core.Rejection;
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

    /** The error response for a domain reason; its status comes from {@link #statusOf}. */
    HttpResponse response(Rejection.Reason reason, String message, Map<String, Object> details) {
        return response(statusOf(reason), reason.code(), message, details);
    }

    HttpResponse response(Rejection.Reason reason, String message) {
        return response(reason, message, Map.of());
    }

    HttpResponse response(ApiErrorCode code, String message) {
        return response(code.status, code.code(), message, Map.of());
    }

    private HttpResponse response(int status, String code, String message, Map<String, Object> details) {
        return HttpResponse.create()
                .withStatus(status)
                .withEntity(ContentTypes.APPLICATION_JSON,
                        ApiJson.write(mapper, ErrorBody.of(code, message, details)));
    }

    /** The one place a domain refusal becomes an HTTP status. */
    static int statusOf(Rejection.Reason reason) {
        return switch (reason) {
            case INVALID_REQUEST -> 400;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case PAYLOAD_TOO_LARGE -> 413;
            case UNKNOWN_IMAGE -> 422;
            case TOO_MANY_REQUESTS -> 429;
            case OPERATION_FAILED -> 502;
            case UNAVAILABLE -> 503;
        };
    }

    /** The response for a failed request; unexpected exceptions are logged here and never shown to the client. */
    HttpResponse response(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof ApiProblem p) {
            return response(p.reason, p.getMessage(), p.details);
        }
        if (t instanceof Rejected r) {
            return response(r.reason(), r.getMessage(), r.rejection().details());
        }
        if (t instanceof EntityStreamSizeException e) {
            return tooLarge(e);
        }
        if (t instanceof AskTimeoutException || t instanceof TimeoutException) {
            return response(Rejection.Reason.UNAVAILABLE, "the daemon did not answer in time; try again");
        }
        log.error("request failed unexpectedly", t);
        return response(ApiErrorCode.INTERNAL, "internal error; see the daemon log");
    }

    ExceptionHandler exceptionHandler() {
        return ExceptionHandler.newBuilder().matchAny(t -> complete(response(t))).build();
    }

    RejectionHandler rejectionHandler() {
        return RejectionHandler.newBuilder()
                .handleAll(MethodRejection.class, rejections -> {
                    List<HttpMethod> allowed = rejections.stream().map(MethodRejection::supported).distinct().toList();
                    return extractRequest(request -> complete(
                            response(ApiErrorCode.METHOD_NOT_ALLOWED, request.method().name() + " is not allowed on "
                                    + request.getUri().path() + "; allowed: "
                                    + String.join(", ", allowed.stream().map(HttpMethod::name).toList()))
                                    .addHeader(Allow.create(allowed.toArray(HttpMethod[]::new)))));
                })
                .handle(MalformedRequestContentRejection.class, r -> complete(
                        r.getCause() instanceof EntityStreamSizeException e
                                ? tooLarge(e)
                                : response(Rejection.Reason.INVALID_REQUEST, "malformed request body: " + r.message())))
                .handleNotFound(extractRequest(request -> complete(response(Rejection.Reason.NOT_FOUND,
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
        HttpResponse json = response(status, codeFor(status), message, Map.of());
        return json.withHeaders(response.getHeaders());
    }

    /** pekko-http's statuses mapped onto our closed set of codes: any other 4xx is a bad request. */
    private static String codeFor(int status) {
        return switch (status) {
            case 401 -> ApiErrorCode.UNAUTHORIZED.code();
            case 403 -> ApiErrorCode.FORBIDDEN.code();
            case 404 -> Rejection.Reason.NOT_FOUND.code();
            case 405 -> ApiErrorCode.METHOD_NOT_ALLOWED.code();
            case 406 -> ApiErrorCode.NOT_ACCEPTABLE.code();
            case 409 -> Rejection.Reason.CONFLICT.code();
            case 413 -> Rejection.Reason.PAYLOAD_TOO_LARGE.code();
            case 415 -> ApiErrorCode.UNSUPPORTED_MEDIA_TYPE.code();
            case 429 -> Rejection.Reason.TOO_MANY_REQUESTS.code();
            case 503 -> Rejection.Reason.UNAVAILABLE.code();
            default -> status >= 500 ? ApiErrorCode.INTERNAL.code() : Rejection.Reason.INVALID_REQUEST.code();
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
