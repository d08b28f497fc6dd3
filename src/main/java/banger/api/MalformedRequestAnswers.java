package banger.api;

import banger.core.Rejection;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.ParsingErrorHandler;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.scaladsl.model.ErrorInfo;
import org.apache.pekko.http.scaladsl.model.StatusCode;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;

/**
 * The answer to a request pekko-http cannot even parse (set as {@code pekko.http.server.parsing.error-handler}),
 * in the one JSON error shape. pekko-http answers a request line it cannot read (a raw space in the target, a
 * trailing token, no or an unknown version) with 505; that is the client's malformed request, so it becomes 400.
 * Other parse errors keep their status (400, 413, 414, 431, 501 for an unknown method).
 */
public final class MalformedRequestAnswers extends ParsingErrorHandler {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public HttpResponse handle(StatusCode status, ErrorInfo error, LoggingAdapter log, ServerSettings settings) {
        int code = status.intValue() == 505 ? 400 : status.intValue();
        Rejection.Reason reason = code == 413 ? Rejection.Reason.PAYLOAD_TOO_LARGE : Rejection.Reason.INVALID_REQUEST;
        String message = code == 400 && status.intValue() == 505
                ? "malformed request line (only HTTP/1.0 and HTTP/1.1 are served): " + error.summary()
                : error.summary();
        try {
            return HttpResponse.create().withStatus(code).withEntity(ContentTypes.APPLICATION_JSON,
                    JSON.writeValueAsBytes(ErrorBody.of(reason.code(), message, Map.of())));
        } catch (Exception e) {
            return HttpResponse.create().withStatus(code);
        }
    }
}
