package banger.api;

import static banger.api.Endpoint.authed;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.CacheControl;
import org.apache.pekko.http.javadsl.model.headers.CacheDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code /v1/events}: the journal's VM events as server-sent events, resumable by offset. */
final class EventRoutes extends ResourceRoutes {

    private static final ContentType EVENT_STREAM = MediaTypes.TEXT_EVENT_STREAM.toContentType();

    private final EventStream eventStream;
    private final StreamLimits streamLimits;

    /** @param registry gets the gauge of clients subscribed now */
    EventRoutes(ApiContext context, EventFeed feed, MeterRegistry registry) {
        super(context);
        this.streamLimits = new StreamLimits(context.errors(), context.settings());
        this.eventStream = new EventStream(feed, context.mapper(), context.settings().sseBuffer(),
                context.settings().sseKeepAlive());
        Gauge.builder("banger.api.event.subscribers", eventStream, EventStream::subscribers)
                .description("Clients of GET /v1/events now").strongReference(true).register(registry);
    }

    @Override
    List<Endpoint> endpoints() {
        return List.of(authed("GET", "/v1/events", p -> events()));
    }

    private Route events() {
        return optionalHeaderValueByName("Last-Event-ID", lastEventId -> parameterOptional("after", after ->
                parameterOptional("vm", vm -> parameterList("type", typeParams -> {
                    long from = lastEventId.isPresent()
                            ? offset("Last-Event-ID", lastEventId.get())
                            : after.map(a -> offset("after", a)).orElse(0L);
                    Set<String> types = new LinkedHashSet<>();
                    typeParams.forEach(t -> Arrays.stream(t.split(",")).map(String::strip)
                            .filter(s -> !s.isEmpty()).forEach(types::add));
                    return streamLimits.admitSubscriber(eventStream.subscribers(), () -> complete(
                            HttpResponse.create().addHeader(CacheControl.create(CacheDirectives.NO_CACHE))
                            .withEntity(HttpEntities.createChunked(EVENT_STREAM,
                                    eventStream.subscribe(from, vm.filter(v -> !v.isEmpty()), Set.copyOf(types))))));
                }))));
    }

    private static long offset(String name, String value) {
        try {
            long offset = Long.parseLong(value.strip());
            if (offset < 0) {
                throw ApiProblem.invalidField(name, "must be a non-negative event offset");
            }
            return offset;
        } catch (NumberFormatException e) {
            throw ApiProblem.invalidField(name, "must be an event offset (an integer), got \"" + value + "\"");
        }
    }
}
