package banger.operation;

import banger.testsupport.InMemoryPersistence;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.core.Rejected;
import banger.image.BuildListener;
import banger.image.BuildProgress;
import banger.image.Image;
import banger.image.ImageBuilder;
import banger.image.ImageRegistry;
import banger.wire.OperationView;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Image operations over the real image registry with a builder whose builds run until released or interrupted:
 * a bootstrap is cancelled mid-build and leaves no image; concurrent creates of a catalog image share one pull
 * whose progress each create shows; a pull of a taken name is refused at once.
 */
class ImageOperationsTest {

    static final ActorTestKit testKit = InMemoryPersistence.testKit();
    private static final Duration WAIT = Duration.ofSeconds(20);

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    /** Builds that report progress, then block until released; an interrupt (cancel) ends them. */
    static final class HeldBuilder implements ImageBuilder {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger pulls = new AtomicInteger();

        @Override
        public Image build(String preset, String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Image build(String preset, String name, BuildListener listener) {
            return hold(name, listener);
        }

        @Override
        public Image pull(String ref, String name, String platform, BuildListener listener) {
            pulls.incrementAndGet();
            return hold(name, listener);
        }

        private Image hold(String name, BuildListener listener) {
            listener.progress(new BuildProgress("downloading", 4096, 8192, 0, 1));
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            listener.checkCancelled();
            return new Image(name, "tiny", "/k", null, null, "/r/" + name, 1 << 20, Instant.now());
        }
    }

    private static ImageOperationSettings settings(Map<String, CatalogSource> catalog) {
        return new ImageOperationSettings(catalog, Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofMinutes(10),
                Duration.ofSeconds(5));
    }

    private static OperationView ask(ActorRef<ImageOperations.Command> ops,
                                     java.util.function.Function<ActorRef<StatusReply<OperationView>>,
                                             ImageOperations.Command> command) {
        TestProbe<StatusReply<OperationView>> probe = testKit.createTestProbe();
        ops.tell(command.apply(probe.getRef()));
        StatusReply<OperationView> reply = probe.receiveMessage(WAIT);
        if (reply.isError()) {
            throw (RuntimeException) reply.getError();
        }
        return reply.getValue();
    }

    private static List<String> imageNames(ActorRef<ImageRegistry.Command> images) {
        TestProbe<List<Image>> probe = testKit.createTestProbe();
        images.tell(new ImageRegistry.ListImages(probe.getRef()));
        return probe.receiveMessage(WAIT).stream().map(Image::name).toList();
    }

    private static OperationView awaitPhase(ActorRef<ImageOperations.Command> ops, String id, String phase) {
        OperationView[] seen = {null};
        TestProbe<Object> waiter = testKit.createTestProbe();
        waiter.awaitAssert(WAIT, () -> {
            seen[0] = ask(ops, r -> new ImageOperations.Get(id, r));
            assertNotNull(seen[0].progress(), String.valueOf(seen[0]));
            assertEquals(phase, seen[0].progress().phase(), String.valueOf(seen[0]));
            return null;
        });
        return seen[0];
    }

    @Test
    void aBootstrapCancelledMidBuildEndsCancelledAndLeavesNoImage() {
        HeldBuilder builder = new HeldBuilder();
        ActorRef<ImageRegistry.Command> images = testKit.spawn(ImageRegistry.create(builder));
        ActorRef<ImageOperations.Command> ops = testKit.spawn(ImageOperations.create(images, settings(Map.of()),
                Clock.systemUTC()));

        OperationView started = ask(ops, r -> new ImageOperations.Bootstrap("tiny", "held", r));
        assertEquals("bootstrap_image", started.kind());
        assertEquals("held", started.image());
        OperationView building = awaitPhase(ops, started.id(), "downloading");
        assertEquals(4096, building.progress().bytesDone());

        OperationView cancelled = ask(ops, r -> new ImageOperations.Cancel(started.id(), r));
        assertEquals("cancelled", cancelled.state());
        assertEquals("cancelled", ask(ops, r -> new ImageOperations.AwaitFinished(started.id(), r)).state());
        assertFalse(imageNames(images).contains("held"));

        // the name is free again: a new bootstrap of it runs and registers
        builder.release.countDown();
        OperationView again = ask(ops, r -> new ImageOperations.Bootstrap("tiny", "held", r));
        assertEquals("succeeded", ask(ops, r -> new ImageOperations.AwaitFinished(again.id(), r)).state());
        assertTrue(imageNames(images).contains("held"));
    }

    @Test
    void concurrentCreatesOfACatalogImageShareOnePullAndShowItsProgress() {
        HeldBuilder builder = new HeldBuilder();
        ActorRef<ImageRegistry.Command> images = testKit.spawn(ImageRegistry.create(builder));
        ActorRef<ImageOperations.Command> ops = testKit.spawn(ImageOperations.create(images,
                settings(Map.of("cat", CatalogSource.parse("cat", "oci:reg.example/cat:1"))), Clock.systemUTC()));
        TestProbe<ImageOperations.Ensured> first = testKit.createTestProbe();
        TestProbe<ImageOperations.Ensured> second = testKit.createTestProbe();
        TestProbe<ImageOperations.Ensured> other = testKit.createTestProbe();

        ops.tell(new ImageOperations.Ensure("op-a", "cat", first.getRef()));
        ops.tell(new ImageOperations.Ensure("op-b", "cat", second.getRef()));
        ops.tell(new ImageOperations.Ensure("op-c", "not-in-catalog", other.getRef()));
        assertEquals(ImageOperations.Ensured.Status.FETCHING, first.receiveMessage(WAIT).status());
        assertEquals(ImageOperations.Ensured.Status.FETCHING, second.receiveMessage(WAIT).status());
        assertEquals(ImageOperations.Ensured.Status.READY, other.receiveMessage(WAIT).status());

        TestProbe<ImageOperations.Progress> progress = testKit.createTestProbe();
        progress.awaitAssert(WAIT, () -> {
            ops.tell(new ImageOperations.ProgressOf("op-b", progress.getRef()));
            ImageOperations.Progress p = progress.receiveMessage(WAIT);
            assertNotNull(p.progress());
            assertEquals(8192, p.progress().bytesTotal());
            return null;
        });

        builder.release.countDown();
        assertEquals(ImageOperations.Ensured.Status.READY, first.receiveMessage(WAIT).status());
        assertEquals(ImageOperations.Ensured.Status.READY, second.receiveMessage(WAIT).status());
        assertEquals(1, builder.pulls.get());
        assertTrue(imageNames(images).contains("cat"));

        // present now: a later create goes on at once, and a pull of the taken name is refused at once
        TestProbe<ImageOperations.Ensured> later = testKit.createTestProbe();
        ops.tell(new ImageOperations.Ensure("op-d", "cat", later.getRef()));
        assertEquals(ImageOperations.Ensured.Status.READY, later.receiveMessage(WAIT).status());
        Rejected taken = org.junit.jupiter.api.Assertions.assertThrows(Rejected.class,
                () -> ask(ops, r -> new ImageOperations.Pull("reg.example/cat:1", "cat", null, r)));
        assertTrue(taken.getMessage().contains("already exists"), taken.getMessage());
        assertEquals(1, builder.pulls.get());
    }
}
