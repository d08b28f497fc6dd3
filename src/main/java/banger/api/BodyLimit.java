package banger.api;

import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Refuses a body whose declared length is over a route's limit with 413 before reading any of it. Without
 * this, a declared length over pekko-http's own {@code max-content-length} fails the entity stream with a
 * generic error (a 500) before the route's own, smaller limit is ever checked. Bodies without a declared
 * length (chunked) are cut off by the route's {@code withSizeLimit}, which answers 413 as well.
 */
final class BodyLimit extends AllDirectives {

    Route atMost(long maxBytes, Supplier<Route> inner) {
        return extractRequestEntity(entity -> {
            if (entity.getContentLengthOption().isPresent() && entity.getContentLengthOption().getAsLong() > maxBytes) {
                throw ApiProblem.tooLarge(maxBytes);
            }
            return inner.get();
        });
    }
}
