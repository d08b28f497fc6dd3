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
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TapPoolTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final String BRIDGE = "bgtest0";

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    @Test
    void refillsToTargetSizeWithTapsEnslavedToBridge() {
        FakeLinks hosts = new FakeLinks();
        ActorRef<TapPoolCommand> pool = testKit.spawn(TapPool.create(hosts, BRIDGE, 3));
        awaitIdle(pool, 3);
        assertEquals(3, hosts.links.size());
        hosts.links.forEach((name, link) -> {
            assertTrue(name.matches("bgt[0-9a-f]{8}"), name);
            assertEquals(BRIDGE, link.master());
            assertTrue(link.up());
        });
    }

    @Test
    void tapsAreCreatedForTheOwnerAJailedVmmRunsAs() {
        FakeLinks hosts = new FakeLinks();
        ActorRef<TapPoolCommand> pool = testKit.spawn(TapPool.create(hosts, BRIDGE, 1,
                java.util.Optional.of(new TapOwner(997, 996))));
        awaitIdle(pool, 1);
        List<String> add;
        synchronized (hosts.calls) {
            add = hosts.calls.stream().filter(c -> String.join(" ", c).startsWith("ip tuntap add")).findFirst()
                    .orElseThrow();
        }
        assertEquals(List.of("user", "997", "group", "996"), add.subList(add.size() - 4, add.size()), add.toString());
    }

    @Test
    void lendsIdleTapWithoutWaitingForCreation() {
        FakeLinks hosts = new FakeLinks();
        ActorRef<TapPoolCommand> pool = testKit.spawn(TapPool.create(hosts, BRIDGE, 2));
        awaitIdle(pool, 2);
        hosts.createDelayMillis = 3000;
        TestProbe<StatusReply<String>> reply = testKit.createTestProbe();
        pool.tell(new TapPoolCommand.Lend("vm-1", reply.getRef()));
        String tap = reply.receiveMessage(Duration.ofMillis(500)).getValue();
        assertTrue(hosts.links.containsKey(tap));
        TapPoolStatus status = status(pool);
        assertEquals("vm-1", status.lent().get(tap));
    }

    @Test
    void lendCreatesTapWhenNoneIsIdle() {
        FakeLinks hosts = new FakeLinks();
        ActorRef<TapPoolCommand> pool = testKit.spawn(TapPool.create(hosts, BRIDGE, 0));
        TestProbe<StatusReply<String>> reply = testKit.createTestProbe();
        pool.tell(new TapPoolCommand.Lend("vm-2", reply.getRef()));
        String tap = reply.receiveMessage(Duration.ofSeconds(5)).getValue();
        assertEquals(BRIDGE, hosts.links.get(tap).master());
        assertEquals(0, status(pool).idle());
    }

    @Test
    void aVmThatGaveUpOnItsLendGetsNothingAndItsTapsGoBackToThePool() throws Exception {
        FakeLinks hosts = new FakeLinks();
        ActorRef<TapPoolCommand> pool = testKit.spawn(TapPool.create(hosts, BRIDGE, 0));
        TestProbe<StatusReply<String>> first = testKit.createTestProbe();
        pool.tell(new TapPoolCommand.Lend("vm-held", first.getRef()));
        String held = first.receiveMessage(Duration.ofSeconds(5)).getValue();

        // no idle TAP and an empty target: this lend waits for a creation, and is given up meanwhile
        hosts.createDelayMillis = 500;
        TestProbe<StatusReply<String>> late = testKit.createTestProbe();
        pool.tell(new TapPoolCommand.Lend("vm-late", late.getRef()));
        pool.tell(new TapPoolCommand.ReleaseVm("vm-late"));
        late.expectNoMessage(Duration.ofSeconds(1));
        awaitIdle(pool, 1);
        assertFalse(status(pool).lent().containsValue("vm-late"));

        pool.tell(new TapPoolCommand.ReleaseVm("vm-held"));
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (status(pool).lent().containsKey(held) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(status(pool).lent().isEmpty(), "nothing stays lent to VMs that gave up: " + status(pool));
    }

    @Test
    void failedCreationFailsTheLend() {
        FakeLinks hosts = new FakeLinks();
        hosts.failCreate = true;
        ActorRef<TapPoolCommand> pool = testKit.spawn(TapPool.create(hosts, BRIDGE, 0));
        TestProbe<StatusReply<String>> reply = testKit.createTestProbe();
        pool.tell(new TapPoolCommand.Lend("vm-3", reply.getRef()));
        StatusReply<String> answer = reply.receiveMessage(Duration.ofSeconds(5));
        assertTrue(answer.isError());
        assertTrue(answer.getError().getMessage().contains("Operation not permitted"), answer.getError().getMessage());
    }

    @Test
    void returnedTapIsReusedAndSurplusIsDeleted() {
        FakeLinks hosts = new FakeLinks();
        ActorRef<TapPoolCommand> pool = testKit.spawn(TapPool.create(hosts, BRIDGE, 1));
        awaitIdle(pool, 1);
        TestProbe<StatusReply<String>> reply = testKit.createTestProbe();
        pool.tell(new TapPoolCommand.Lend("vm-4", reply.getRef()));
        String tap = reply.receiveMessage().getValue();
        awaitIdle(pool, 1);
        pool.tell(new TapPoolCommand.Return("vm-4", tap));
        awaitCondition(() -> hosts.links.size() == 1 && status(pool).lent().isEmpty(), "surplus TAP deleted");
        assertEquals(1, status(pool).idle());
    }

    @Test
    void returnedTapFillsPoolWhenBelowTarget() {
        FakeLinks hosts = new FakeLinks();
        ActorRef<TapPoolCommand> pool = testKit.spawn(TapPool.create(hosts, BRIDGE, 1));
        awaitIdle(pool, 1);
        hosts.failCreate = true;
        TestProbe<StatusReply<String>> reply = testKit.createTestProbe();
        pool.tell(new TapPoolCommand.Lend("vm-5", reply.getRef()));
        String tap = reply.receiveMessage().getValue();
        pool.tell(new TapPoolCommand.Return("vm-5", tap));
        awaitIdle(pool, 1);
        assertTrue(hosts.links.containsKey(tap), "the returned TAP itself is idle again");
    }

    @Test
    void aDuplicateReturnByAnEarlierHolderLeavesTheTapWithItsNewHolder() {
        FakeLinks hosts = new FakeLinks();
        ActorRef<TapPoolCommand> pool = testKit.spawn(TapPool.create(hosts, BRIDGE, 1));
        awaitIdle(pool, 1);
        hosts.failCreate = true;
        TestProbe<StatusReply<String>> reply = testKit.createTestProbe();
        pool.tell(new TapPoolCommand.Lend("vm-old", reply.getRef()));
        String tap = reply.receiveMessage(Duration.ofSeconds(5)).getValue();
        pool.tell(new TapPoolCommand.Return("vm-old", tap));
        awaitCondition(() -> status(pool).lent().isEmpty() && hosts.links.containsKey(tap)
                && status(pool).idle() >= 1, "the returned TAP is idle again");
        pool.tell(new TapPoolCommand.Lend("vm-new", reply.getRef()));
        assertEquals(tap, reply.receiveMessage(Duration.ofSeconds(5)).getValue(), "the same TAP is lent again");

        pool.tell(new TapPoolCommand.Return("vm-old", tap));

        TestProbe<TapPoolStatus> probe = testKit.createTestProbe();
        pool.tell(new TapPoolCommand.GetStatus(probe.getRef()));
        assertEquals("vm-new", probe.receiveMessage().lent().get(tap));
        assertTrue(hosts.links.containsKey(tap), "the TAP in use by vm-new is neither reset nor deleted");
    }

    @Test
    void brokenReturnedTapIsReplaced() {
        FakeLinks hosts = new FakeLinks();
        ActorRef<TapPoolCommand> pool = testKit.spawn(TapPool.create(hosts, BRIDGE, 1));
        awaitIdle(pool, 1);
        TestProbe<StatusReply<String>> reply = testKit.createTestProbe();
        pool.tell(new TapPoolCommand.Lend("vm-6", reply.getRef()));
        String tap = reply.receiveMessage().getValue();
        awaitIdle(pool, 1);
        hosts.links.remove(tap);
        pool.tell(new TapPoolCommand.Return("vm-6", tap));
        awaitCondition(() -> status(pool).lent().isEmpty(), "broken TAP dropped");
        assertEquals(1, status(pool).idle());
        assertFalse(hosts.links.containsKey(tap));
    }

    @Test
    void removesOnlyUnownedBangerTaps() {
        FakeLinks hosts = new FakeLinks();
        hosts.links.put("bgtdeadbeef", new FakeLinks.Link(BRIDGE, true));
        hosts.links.put("bgtcafef00d", new FakeLinks.Link(BRIDGE, true));
        hosts.links.put("bgt0adopted", new FakeLinks.Link(BRIDGE, true));
        hosts.links.put("tapother", new FakeLinks.Link(null, true));
        ActorRef<TapPoolCommand> pool = testKit.spawn(TapPool.create(hosts, BRIDGE, 1));
        pool.tell(new TapPoolCommand.Adopt("vm-7", "bgt0adopted"));
        awaitIdle(pool, 1);
        TestProbe<StatusReply<Set<String>>> reply = testKit.createTestProbe();
        pool.tell(new TapPoolCommand.RemoveOrphans(Set.of("bgtcafef00d"), reply.getRef()));
        assertEquals(Set.of("bgtdeadbeef"), reply.receiveMessage(Duration.ofSeconds(5)).getValue());
        assertFalse(hosts.links.containsKey("bgtdeadbeef"));
        assertTrue(hosts.links.keySet().containsAll(List.of("bgtcafef00d", "bgt0adopted", "tapother")));
        assertEquals("vm-7", status(pool).lent().get("bgt0adopted"));
        assertEquals(4, hosts.links.size(), "three kept, one orphan gone, one new idle");
    }

    private static TapPoolStatus status(ActorRef<TapPoolCommand> pool) {
        TestProbe<TapPoolStatus> probe = testKit.createTestProbe();
        pool.tell(new TapPoolCommand.GetStatus(probe.getRef()));
        return probe.receiveMessage(Duration.ofSeconds(5));
    }

    private static void awaitIdle(ActorRef<TapPoolCommand> pool, int idle) {
        awaitCondition(() -> status(pool).idle() == idle && status(pool).creating() == 0, idle + " idle TAPs");
    }

    static void awaitCondition(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
