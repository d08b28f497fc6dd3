package banger.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * {@code tail -f} of a console log as a stream: everything in the file, then what is appended, polling at an
 * interval, until the consumer (the HTTP client) goes away or the VM is deleted. The file may not exist yet,
 * and a file that shrinks (rotated) is read again from the start. Reads run on the blocking dispatcher.
 * {@link #following()} counts the streams running now, for the API's cap on followers.
 */
final class ConsoleFollower {

    private static final int CHUNK = 64 * 1024;

    private final ActorSystem<?> system;
    private final Executor blocking;
    private final Duration pollInterval;
    private final AtomicInteger following = new AtomicInteger();

    ConsoleFollower(ActorSystem<?> system, Executor blocking, Duration pollInterval) {
        this.system = system;
        this.blocking = blocking;
        this.pollInterval = pollInterval;
    }

    /**
     * @param vmExists asked when there is nothing new and the VM's directory is gone (a delete removes it):
     *                 false ends the stream
     */
    Source<ByteString, NotUsed> follow(Path file, Supplier<CompletionStage<Boolean>> vmExists) {
        return Source.unfoldAsync(0L, position -> readOrWait(file, position, vmExists))
                .filter(bytes -> !bytes.isEmpty())
                .watchTermination((notUsed, done) -> {
                    following.incrementAndGet();
                    done.whenComplete((d, failure) -> following.decrementAndGet());
                    return notUsed;
                });
    }

    int following() {
        return following.get();
    }

    private CompletionStage<Optional<Pair<Long, ByteString>>> readOrWait(Path file, long position,
                                                                         Supplier<CompletionStage<Boolean>> vmExists) {
        return CompletableFuture.supplyAsync(() -> read(file, position), blocking).thenCompose(read -> {
            Optional<Pair<Long, ByteString>> next = Optional.of(read);
            if (!read.second().isEmpty()) {
                return CompletableFuture.completedFuture(next);
            }
            CompletionStage<Boolean> exists = Files.isDirectory(file.getParent())
                    ? CompletableFuture.completedFuture(true) : vmExists.get();
            return exists.thenCompose(stillThere -> stillThere
                    ? Patterns.after(pollInterval, system.classicSystem().scheduler(), system.executionContext(),
                            () -> CompletableFuture.completedFuture(next))
                    : CompletableFuture.completedFuture(Optional.<Pair<Long, ByteString>>empty()));
        });
    }

    /** The bytes after {@code position} (at most one chunk) and the position after them. */
    private static Pair<Long, ByteString> read(Path file, long position) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            long from = size < position ? 0 : position;
            int length = (int) Math.min(CHUNK, size - from);
            if (length == 0) {
                return Pair.create(from, ByteString.emptyByteString());
            }
            ByteBuffer buffer = ByteBuffer.allocate(length);
            int n;
            do {
                n = channel.read(buffer, from + buffer.position());
            } while (n > 0 && buffer.hasRemaining());
            buffer.flip();
            return Pair.create(from + buffer.limit(), ByteString.fromByteBuffer(buffer));
        } catch (NoSuchFileException notYet) {
            return Pair.create(0L, ByteString.emptyByteString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read console log " + file, e);
        }
    }
}
