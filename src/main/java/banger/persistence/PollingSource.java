package banger.persistence;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Turns a paged query into a stream. A current stream ends at the first short page; a live one then waits
 * for the next commit to the database (or the refresh interval, whichever comes first) and asks again.
 */
final class PollingSource {

    /**
     * One page of a query: {@code next} is the cursor after it, {@code exhausted} says nothing more is there
     * now, {@code finished} says nothing more will ever be (e.g. the requested highest sequence nr was reached).
     */
    record Page<C, T>(C next, List<T> items, boolean exhausted, boolean finished) {
    }

    @FunctionalInterface
    interface Fetch<C, T> {
        CompletionStage<Page<C, T>> page(C cursor);
    }

    /** Where a stream stands between pages. */
    private record Step<C>(C cursor, boolean waitForCommit, long commitsSeen, boolean finished) {
    }

    private PollingSource() {
    }

    static <C, T> Source<T, NotUsed> current(SqliteDatabase database, C start, Fetch<C, T> fetch) {
        return stream(database, start, fetch, Optional.empty());
    }

    static <C, T> Source<T, NotUsed> live(SqliteDatabase database, C start, Fetch<C, T> fetch, Duration refresh) {
        return stream(database, start, fetch, Optional.of(refresh));
    }

    private static <C, T> Source<T, NotUsed> stream(SqliteDatabase database, C start, Fetch<C, T> fetch,
                                                     Optional<Duration> liveRefresh) {
        Step<C> first = new Step<>(start, false, 0L, false);
        Source<List<T>, NotUsed> pages = Source.unfoldAsync(first, step -> {
            if (step.finished()) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
            CompletionStage<Void> gate = step.waitForCommit()
                    ? database.awaitCommitAfter(step.commitsSeen(), liveRefresh.orElseThrow())
                    : CompletableFuture.completedFuture(null);
            return gate.thenCompose(ignored -> {
                // read before querying, so a commit racing with the query still wakes the next wait
                long commitsSeen = database.commitCount();
                return fetch.page(step.cursor()).thenApply(page -> {
                    boolean done = page.finished() || (page.exhausted() && liveRefresh.isEmpty());
                    Step<C> next = new Step<>(page.next(), page.exhausted(), commitsSeen, done);
                    return Optional.of(Pair.create(next, page.items()));
                });
            });
        });
        return pages.mapConcat(items -> items);
    }
}
