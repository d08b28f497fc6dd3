package banger.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.network.TapPoolCommand;
import banger.network.TapPoolStatus;
import banger.vm.VmControl;
import banger.wire.VmView;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class FleetGaugesTest {

    private static final ActorTestKit kit = ActorTestKit.create();

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    @Test
    void gaugesFollowTheFleetsStatesAndTheTapPoolStatus() {
        MeterRegistry registry = new SimpleMeterRegistry();
        VmControl control = listing(() -> List.of(vm("a", "running"), vm("b", "running"), vm("c", "stopped")));
        TestProbe<TapPoolCommand> pool = kit.createTestProbe();
        kit.spawn(FleetGauges.create(control, Optional.of(pool.ref()), registry, Duration.ofMinutes(1),
                Duration.ofSeconds(3)));

        TapPoolCommand.GetStatus get = pool.expectMessageClass(TapPoolCommand.GetStatus.class);
        get.replyTo().tell(new TapPoolStatus(3, Map.of("bgt1", "a", "bgt2", "b"), 1, 4));

        pool.awaitAssert(() -> {
            assertEquals(2.0, registry.get(FleetGauges.VMS).tag("state", "running").gauge().value());
            assertEquals(1.0, registry.get(FleetGauges.VMS).tag("state", "stopped").gauge().value());
            assertEquals(0.0, registry.get(FleetGauges.VMS).tag("state", "failed").gauge().value());
            assertEquals(3.0, registry.get(FleetGauges.TAPS).tag("status", "idle").gauge().value());
            assertEquals(2.0, registry.get(FleetGauges.TAPS).tag("status", "lent").gauge().value());
            assertEquals(1.0, registry.get(FleetGauges.TAPS).tag("status", "creating").gauge().value());
            assertEquals(4.0, registry.get(FleetGauges.TAP_TARGET).gauge().value());
            return null;
        });
    }

    @Test
    void aFailedListKeepsTheLastCounts() {
        MeterRegistry registry = new SimpleMeterRegistry();
        AtomicInteger polls = new AtomicInteger();
        VmControl control = listing(() -> {
            if (polls.getAndIncrement() == 0) {
                return List.of(vm("a", "failed"));
            }
            throw new IllegalStateException("fleet did not answer");
        });
        kit.spawn(FleetGauges.create(control, Optional.empty(), registry, Duration.ofMillis(50),
                Duration.ofSeconds(3)));

        TestProbe<Void> wait = kit.createTestProbe();
        wait.awaitAssert(() -> {
            assertTrue(polls.get() >= 3, "polled again after the failure");
            assertEquals(1.0, registry.get(FleetGauges.VMS).tag("state", "failed").gauge().value());
            return null;
        });
    }

    /** A VmControl whose list() answers from {@code vms} (a thrown exception fails the stage); nothing else. */
    private static VmControl listing(Supplier<List<VmView>> vms) {
        return (VmControl) Proxy.newProxyInstance(VmControl.class.getClassLoader(), new Class<?>[] {VmControl.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("list")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    try {
                        return CompletableFuture.completedFuture(vms.get());
                    } catch (RuntimeException e) {
                        return CompletableFuture.failedFuture(e);
                    }
                });
    }

    private static VmView vm(String name, String state) {
        Instant now = Instant.now();
        return new VmView("id-" + name, name, state, null, "tiny", 1, 256, 512, null, null, Map.of(), now, now);
    }
}
