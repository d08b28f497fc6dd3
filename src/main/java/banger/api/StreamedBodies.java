package banger.api;

import banger.guest.GuestInputException;
import banger.guest.GuestSshException;
import banger.core.Rejected;
import banger.core.Rejection;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.javadsl.StreamConverters;

/**
 * Request and response bodies that stream between the HTTP connection and a guest: an upload is handed on
 * as an InputStream fed by the connection (bounded by {@code max-upload-bytes}, never held whole), a download
 * is read from the guest only as fast as the client takes it.
 */
final class StreamedBodies extends AllDirectives {

    private final ApiErrors errors;
    private final ObjectMapper mapper;
    private final long maxUploadBytes;
    private final Duration readTimeout;
    private final Duration transferTimeout;

    StreamedBodies(ApiErrors errors, ObjectMapper mapper, long maxUploadBytes, Duration readTimeout,
                   Duration transferTimeout) {
        this.errors = errors;
        this.mapper = mapper;
        this.maxUploadBytes = maxUploadBytes;
        this.readTimeout = readTimeout;
        this.transferTimeout = transferTimeout;
    }

    /** Streams the body into {@code consume} and answers 200 with its result as JSON. */
    Route upload(Function<InputStream, CompletionStage<?>> consume) {
        return withRequestTimeout(transferTimeout, () -> extractRequestEntity(entity -> extractMaterializer(mat -> {
            InputStream body = entity.withSizeLimit(maxUploadBytes).getDataBytes()
                    .runWith(StreamConverters.asInputStream(readTimeout), mat);
            CompletionStage<HttpResponse> answer;
            try {
                answer = consume.apply(body).handle((value, failure) -> {
                    closeQuietly(body);
                    return failure == null
                            ? HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, ApiJson.write(mapper, value))
                            : errors.response(translate(failure));
                });
            } catch (RuntimeException e) {
                closeQuietly(body);
                throw e;
            }
            return completeWithFuture(answer);
        })));
    }

    /** Answers with the stream {@code stage} yields, chunked, as {@code type}. */
    Route download(CompletionStage<InputStream> stage, ContentType type) {
        return completeWithFuture(stage.handle((in, failure) -> failure == null
                ? HttpResponse.create().withEntity(HttpEntities.createChunked(type,
                        StreamConverters.fromInputStream(() -> in)))
                : errors.response(translate(failure))));
    }

    /**
     * What a failed transfer tells the client: a body over the limit is 413, a body that broke off is 400,
     * an unreachable guest 503; refusals pass as they are.
     */
    static Throwable translate(Throwable failure) {
        Throwable t = failure;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof EntityStreamSizeException e) {
                return ApiProblem.tooLarge(e.limit());
            }
        }
        if (t instanceof GuestInputException e) {
            return ApiProblem.invalid("the request body broke off: " + rootMessage(e));
        }
        if (t instanceof GuestSshException e) {
            return new Rejected(Rejection.Reason.UNAVAILABLE, e.getMessage());
        }
        return t;
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // the upload is over either way
        }
    }
}
