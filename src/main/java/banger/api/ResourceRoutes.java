package banger.api;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The base of a route class: one resource's endpoints over its own small service interface (as pekko-http's
 * JobRoutes sample), with the API's shared ways to answer JSON and read a bounded JSON body. Auth, the in-flight
 * limit and the error handler are not here: {@link ApiServer} applies them to every {@link Endpoint}.
 */
abstract class ResourceRoutes extends AllDirectives {

    protected final ApiContext context;

    protected ResourceRoutes(ApiContext context) {
        this.context = context;
    }

    /** This resource's rows of the route table; every one must also be in openapi.json. */
    abstract List<Endpoint> endpoints();

    protected Route ok(CompletionStage<?> stage) {
        return respond(200, stage);
    }

    protected Route respond(int status, CompletionStage<?> stage) {
        return completeWithFuture(stage.thenApply(value -> json(status, value)));
    }

    protected HttpResponse json(int status, Object body) {
        return HttpResponse.create().withStatus(status)
                .withEntity(ContentTypes.APPLICATION_JSON, ApiJson.write(context.mapper(), body));
    }

    /**
     * Reads a JSON body of at most {@code banger.api.max-body-bytes} strictly into {@code type}; 415 unless it
     * is JSON, 413 past the size limit, 400 naming the field for anything else wrong with it.
     */
    protected <T> Route jsonBody(Class<T> type, Function<T, Route> inner) {
        ApiSettings settings = context.settings();
        return new BodyLimit().atMost(settings.maxBodyBytes(), () -> extractRequestEntity(entity -> {
            if (!entity.isKnownEmpty() && !entity.getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
                return complete(context.errors().response(ApiErrorCode.UNSUPPORTED_MEDIA_TYPE,
                        "the body must be application/json, not " + entity.getContentType().mediaType()));
            }
            return extractMaterializer(materializer -> onSuccess(
                    entity.withSizeLimit(settings.maxBodyBytes())
                            .toStrict(settings.bodyReadTimeout().toMillis(), materializer),
                    strict -> inner.apply(JsonBodies.parse(context.mapper(), strict.getData(), type))));
        }));
    }

    /** A boolean query parameter: true/1 or false/0 (the default); anything else is a 400 naming it. */
    protected static boolean flag(String name, Optional<String> value) {
        return switch (value.orElse("false")) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw ApiProblem.invalidField(name, "must be true or false");
        };
    }
}
