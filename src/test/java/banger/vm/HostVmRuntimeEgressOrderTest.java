package banger.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import banger.vmm.NetworkAttachment;
import banger.wire.EgressPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A VM's egress changes reach the host in the order they were journaled, however the blocking pool runs them. */
class HostVmRuntimeEgressOrderTest {

    @TempDir
    Path stateDir;

    @Test
    void aLaterChangeWaitsForASlowEarlierOne() throws Exception {
        List<EgressPolicy> applied = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        NetworkPlumbing network = new NetworkPlumbing() {
            @Override
            public CompletionStage<Optional<NetworkAttachment>> attach(VmSpec spec) {
                return CompletableFuture.completedFuture(Optional.empty());
            }

            @Override
            public void release(VmSpec spec, String tap) {
            }

            @Override
            public void applyEgress(VmSpec spec) {
                if (spec.egress().equals(EgressPolicy.DENY)) {
                    firstStarted.countDown();
                    try {
                        releaseFirst.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                applied.add(spec.egress());
            }
        };
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            HostVmRuntime runtime = new HostVmRuntime(new HostVmRuntime.Parts(stateDir, null, null, network, null,
                    null, null, pool, Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5)));
            VmSpec spec = new VmSpec("v1", "v1", "tiny", 1, 256, 512, "172.30.0.2", Map.of());
            CompletableFuture<Void> first = runtime.applyEgress(spec.withEgress(EgressPolicy.DENY)).toCompletableFuture();
            firstStarted.await(30, TimeUnit.SECONDS);
            CompletableFuture<Void> second = runtime.applyEgress(spec.withEgress(EgressPolicy.ALLOW)).toCompletableFuture();
            try {
                second.get(500, TimeUnit.MILLISECONDS);
            } catch (TimeoutException expected) {
                // it waits behind the first, as it should
            }
            assertFalse(first.isDone());
            releaseFirst.countDown();
            first.get(30, TimeUnit.SECONDS);
            second.get(30, TimeUnit.SECONDS);
            assertEquals(List.of(EgressPolicy.DENY, EgressPolicy.ALLOW), applied, "the last journaled policy wins");
        } finally {
            releaseFirst.countDown();
            pool.shutdownNow();
        }
    }
}
