package banger.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import banger.host.CommandResult;
import banger.host.HostCommands;
import banger.host.ProcessHostCommands;
import banger.network.GuestIsolation;
import banger.network.HostNetwork;
import banger.network.NetnsHostCommands;
import banger.network.Subnet;
import banger.network.TapPoolCommand;
import banger.vmm.NetworkAttachment;
import banger.wire.EgressPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A TAP's release does not wait for its unpinning (an {@code nft} run), yet stays ordered: against real nftables
 * in a throw-away namespace, with the unpinning held back, release returns at once, the TAP goes back to the pool
 * only after the unpinning, and a new VM given the same address is pinned after it, so the late unpinning does not
 * remove the new VM's egress elements (they are keyed by address).
 */
class TapPoolPlumbingOrderTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String ADDRESS = "10.204.0.2";
    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final HostCommands root = new ProcessHostCommands();
    private static String namespace;
    private static HostCommands inNamespace;

    @BeforeAll
    static void namespace() {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        namespace = "bgtest-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
        root.check(List.of("ip", "netns", "add", namespace), TIMEOUT);
        inNamespace = new NetnsHostCommands(root, namespace);
    }

    @AfterAll
    static void cleanUp() {
        if (namespace != null) {
            root.run(List.of("ip", "netns", "delete", namespace), TIMEOUT);
        }
        testKit.shutdownTestKit();
    }

    /** Runs nft in the namespace, holding every script that deletes elements until {@link #unpin} opens. */
    private static final class GatedNft implements HostCommands {
        final CountDownLatch unpinStarted = new CountDownLatch(1);
        final CountDownLatch unpin = new CountDownLatch(1);

        @Override
        public CommandResult run(List<String> argv, Duration timeout, byte[] stdin) {
            if (stdin != null && new String(stdin, StandardCharsets.UTF_8).startsWith("delete element")) {
                unpinStarted.countDown();
                try {
                    unpin.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return inNamespace.run(argv, timeout, stdin);
        }

        @Override
        public long startDetached(List<String> argv, Path output) {
            return inNamespace.startDetached(argv, output);
        }

        @Override
        public boolean available(String program) {
            return inNamespace.available(program);
        }
    }

    @Test
    void aReleaseReturnsAtOnceAndItsLateUnpinningNeitherFreesTheTapEarlyNorRemovesANewerVmsPins() throws Exception {
        Subnet subnet = Subnet.parse("10.204.0.0/24");
        new HostNetwork(inNamespace, "bgbr1", subnet).ensure();
        GatedNft nft = new GatedNft();
        GuestIsolation isolation = new GuestIsolation(nft, "bgbr1", subnet, false);
        isolation.ensure();
        TestProbe<TapPoolCommand> pool = testKit.createTestProbe();
        TapPoolPlumbing plumbing = new TapPoolPlumbing(pool.getRef(), testKit.scheduler(), TIMEOUT,
                Optional.of(isolation));
        VmSpec old = new VmSpec("oldvm", "old", "tiny", 1, 256, 512, ADDRESS, Map.of(), EgressPolicy.DENY);
        VmSpec reused = new VmSpec("newvm", "new", "tiny", 1, 256, 512, ADDRESS, Map.of(), EgressPolicy.DENY);

        assertEquals("bgtord0", attach(plumbing, pool, old, "bgtord0"));
        assertTrue(egressDenied().contains(ADDRESS), egressDenied());

        long before = System.nanoTime();
        plumbing.release(old, "bgtord0");
        long releaseMillis = (System.nanoTime() - before) / 1_000_000;
        assertTrue(nft.unpinStarted.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the unpinning runs");
        assertTrue(releaseMillis < 1000, "release returned while its unpinning was held: " + releaseMillis + " ms");
        pool.expectNoMessage(Duration.ofMillis(300));

        CompletableFuture<Optional<NetworkAttachment>> second = plumbing.attach(reused).toCompletableFuture();
        TapPoolCommand.Lend lend = pool.expectMessageClass(TapPoolCommand.Lend.class);
        lend.replyTo().tell(StatusReply.success("bgtord1"));
        assertFalse(second.isDone(), "the new VM's pins wait for the earlier unpinning");

        nft.unpin.countDown();
        TapPoolCommand.Return back = pool.expectMessageClass(TapPoolCommand.Return.class);
        assertEquals(new TapPoolCommand.Return("oldvm", "bgtord0"), back);
        assertEquals("bgtord1", second.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).orElseThrow().tapName());
        String pins = inNamespace.check(List.of("nft", "list", "table", "bridge", "banger"), TIMEOUT).stdout();
        assertTrue(pins.contains("bgtord1") && !pins.contains("bgtord0"), pins);
        assertTrue(egressDenied().contains(ADDRESS), "the new VM's egress elements survive: " + egressDenied());
    }

    private static String attach(TapPoolPlumbing plumbing, TestProbe<TapPoolCommand> pool, VmSpec spec, String tap)
            throws Exception {
        CompletableFuture<Optional<NetworkAttachment>> attached = plumbing.attach(spec).toCompletableFuture();
        pool.expectMessageClass(TapPoolCommand.Lend.class).replyTo().tell(StatusReply.success(tap));
        return attached.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).orElseThrow().tapName();
    }

    private static String egressDenied() {
        return inNamespace.check(List.of("nft", "list", "set", "ip", "banger_guard", "egress_deny"), TIMEOUT).stdout();
    }
}
