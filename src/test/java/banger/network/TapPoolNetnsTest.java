package banger.network;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** TapPool making real TAP devices, inside a namespace the test creates and always deletes. */
class TapPoolNetnsTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    @Test
    void poolKeepsRealTapsEnslavedToBridgeAndRemovesOrphans() {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        try (TestNetns ns = new TestNetns()) {
            new HostNetwork(ns.hosts, "bgbr0", Subnet.parse("10.203.0.0/24")).ensure();
            ns.hosts.check(List.of("ip", "tuntap", "add", "dev", "bgt0000dead", "mode", "tap"), TIMEOUT);
            ActorRef<TapPoolCommand> pool = testKit.spawn(TapPool.create(ns.hosts, "bgbr0", 2));
            TapPoolTest.awaitCondition(() -> status(pool).idle() == 2, "2 idle TAPs");

            TestProbe<StatusReply<Set<String>>> orphans = testKit.createTestProbe();
            pool.tell(new TapPoolCommand.RemoveOrphans(Set.of(), orphans.getRef()));
            assertEquals(Set.of("bgt0000dead"), orphans.receiveMessage(TIMEOUT).getValue());

            TestProbe<StatusReply<String>> lend = testKit.createTestProbe();
            pool.tell(new TapPoolCommand.Lend("vm-net", lend.getRef()));
            String tap = lend.receiveMessage(TIMEOUT).getValue();
            TapPoolTest.awaitCondition(() -> status(pool).idle() == 2, "refilled to 2 idle TAPs");

            List<String> taps = ns.hosts.check(List.of("ip", "-o", "link", "show", "type", "tun"), TIMEOUT)
                    .stdout().lines().toList();
            assertEquals(3, taps.size(), taps.toString());
            for (String line : taps) {
                assertTrue(line.matches("\\d+: bgt[0-9a-f]{8}: <[^>]*\\bUP\\b[^>]*>.* master bgbr0 .*"), line);
            }
            assertTrue(taps.stream().anyMatch(l -> l.contains(" " + tap + ":")));
            assertFalse(taps.stream().anyMatch(l -> l.contains("bgt0000dead")));
            testKit.stop(pool);
        }
    }

    private static TapPoolStatus status(ActorRef<TapPoolCommand> pool) {
        TestProbe<TapPoolStatus> probe = testKit.createTestProbe();
        pool.tell(new TapPoolCommand.GetStatus(probe.getRef()));
        return probe.receiveMessage(TIMEOUT);
    }
}
