package banger.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/** 200 with a stage's value as JSON, or its failure in the error shape. */
final class JsonAnswers extends AllDirectives {

    private final ObjectMapper mapper;
    private final ApiErrors errors;

    JsonAnswers(ObjectMapper mapper, ApiErrors errors) {
        this.mapper = mapper;
        this.errors = errors;
    }

    Route ok(CompletionStage<?> stage) {
        return completeWithFuture(stage.handle((value, failure) -> failure == null
                ? HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, ApiJson.write(mapper, value))
                : errors.response(StreamedBodies.translate(failure))));
    }
}
