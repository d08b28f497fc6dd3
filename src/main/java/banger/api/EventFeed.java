package banger.api;

import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/** The durable VM event stream the API serves as server-sent events (the daemon backs it by the read journal). */
public interface EventFeed {

    /** Every event with an offset greater than {@code offsetExclusive}, then live events; never completes. */
    Source<FeedEvent, NotUsed> after(long offsetExclusive);
}
