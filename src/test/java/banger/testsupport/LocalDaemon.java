package banger.testsupport;

import banger.api.ApiToken;
import banger.api.EventFeed;
import banger.api.ApiServer;
import banger.api.ApiServices;
import banger.api.JournalEventFeed;
import banger.image.BuildListener;
import banger.image.BuildProgress;
import banger.image.Image;
import banger.image.ImageBuilder;
import banger.image.ImageRegistry;
import banger.metrics.BangerMetrics;
import banger.metrics.FleetGauges;
import banger.metrics.MeteredOperationControl;
import banger.metrics.MeteredVmControl;
import banger.metrics.VmEventMeter;
import banger.operation.ActorImageOperationControl;
import banger.operation.ImageOperationSettings;
import banger.operation.ImageOperations;
import banger.operation.OperationControl;
import banger.operation.OperationRegistry;
import banger.operation.OperationSettings;
import banger.operation.RegistryOperationControl;
import banger.persistence.JournalCompactor;
import banger.persistence.SqliteReadJournal;
import banger.vm.FleetVmControl;
import banger.vm.GuestAddresses;
import banger.core.Rejected;
import banger.core.Rejection;
import banger.vm.Vm;
import banger.vm.VmDefaults;
import banger.vm.VmFleet;
import banger.vm.VmControl;
import banger.vm.VmNameListener;
import banger.vm.VmRuntime;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.persistence.query.PersistenceQuery;

/**
 * The daemon's control plane in-process, for tests and the benchmark: the real ApiServer (with metrics) over the
 * real fleet, image registry and SQLite journal in a state directory, bound to a free loopback port. Only the
 * VmRuntime and image pulls (no registry: see StandInPulls) are stand-ins, and there is no network, DNS, guest
 * access or doctor.
 */
public final class LocalDaemon {

    public final BangerMetrics metrics;
    public final URI base;
    public final String token;
    private final ServerBinding binding;

    private LocalDaemon(BangerMetrics metrics, ServerBinding binding, String token) {
        this.metrics = metrics;
        this.binding = binding;
        this.token = token;
        this.base = URI.create("http://127.0.0.1:" + binding.localAddress().getPort());
    }

    /**
     * The daemon's configuration with its state, and so its SQLite file, in {@code stateDir}. The reference is
     * taken unresolved: resolved, its db-path would already point into the default state-dir.
     */
    public static Config config(Path stateDir, String overrides) {
        return ConfigFactory.parseString(overrides)
                .withValue("banger.state-dir", ConfigValueFactory.fromAnyRef(stateDir.toAbsolutePath().toString()))
                .withFallback(ConfigFactory.defaultReferenceUnresolved())
                .resolve();
    }

    /** Starts everything on {@code system}, whose config came from {@link #config}. */
    public static LocalDaemon start(ActorSystem<?> system, VmRuntime runtime) throws Exception {
        return start(system, runtime, (operations, vms, metrics) -> operations);
    }

    /** What the API's operations go through, built from the real ones, the fleet's control and the metrics. */
    public interface OperationsLayer {
        OperationControl wrap(OperationControl operations, VmControl vms, BangerMetrics metrics);
    }

    /** What the API's VM calls go through, built from the fleet's control and the metrics. */
    public interface VmsLayer {
        VmControl wrap(VmControl vms, BangerMetrics metrics);
    }

    /** As {@link #start(ActorSystem, VmRuntime)}, with the API's operations wrapped by {@code layer}. */
    public static LocalDaemon start(ActorSystem<?> system, VmRuntime runtime, OperationsLayer layer) throws Exception {
        return start(system, runtime, layer, (vms, metrics) -> vms);
    }

    /**
     * As {@link #start(ActorSystem, VmRuntime)}, with the API's operations wrapped by {@code operationsLayer},
     * then its VM calls by {@code vmsLayer}.
     */
    public static LocalDaemon start(ActorSystem<?> system, VmRuntime runtime, OperationsLayer operationsLayer,
                                    VmsLayer vmsLayer) throws Exception {
        Config config = system.settings().config();
        Config b = config.getConfig("banger");
        Path stateDir = Path.of(b.getString("state-dir"));
        Duration ask = b.getDuration("timeouts.ask");
        BangerMetrics metrics = new BangerMetrics(false);
        Instant started = Instant.now();

        ActorRef<ImageRegistry.Command> images = system.systemActorOf(ImageRegistry.create(new StandInPulls()),
                "images", Props.empty());
        Image image = new Image(b.getString("defaults.image"), "tiny", "/stand-in/kernel", null, null,
                "/stand-in/rootfs", 64L << 20, Instant.now());
        AskPattern.<ImageRegistry.Command, Image>askWithStatus(images,
                        reply -> new ImageRegistry.Register(image, reply), ask, system.scheduler())
                .toCompletableFuture().get(ask.toMillis(), TimeUnit.MILLISECONDS);

        Map<String, String> names = new ConcurrentHashMap<>();
        VmNameListener nameBook = new VmNameListener() {
            @Override
            public void registered(String id, String name, String address) {
                names.put(id, name);
            }

            @Override
            public void removed(String id, String name) {
            }
        };
        ActorRef<VmFleet.Command> fleet = system.systemActorOf(VmFleet.create(images, runtime, GuestAddresses.NONE,
                nameBook, VmDefaults.fromConfig(b), b.getDuration("timeouts.liveness-interval"), ask,
                Clock.systemUTC()), "fleet", Props.empty());
        FleetVmControl control = new FleetVmControl(system, fleet, images, SqliteReadJournal.IDENTIFIER, stateDir,
                ask, b.getDuration("timeouts.boot").plus(ask), config.getDuration("banger.api.bootstrap-timeout"));
        SqliteReadJournal journal = PersistenceQuery.get(system)
                .getReadJournalFor(SqliteReadJournal.class, SqliteReadJournal.IDENTIFIER);
        VmEventMeter.run(journal, metrics.registry(), started, system);
        JournalCompactor.of(system, Path.of(b.getString("persistence.db-path")), Vm.compactionRule(b))
                .every(system, b.getDuration("compaction.interval"));
        system.systemActorOf(FleetGauges.create(control, Optional.empty(), metrics.registry(),
                b.getDuration("metrics.poll-interval"), ask), "metrics-gauges", Props.empty());

        Duration lifecycle = b.getDuration("timeouts.boot").plus(ask);
        ActorRef<ImageOperations.Command> imageOperations = system.systemActorOf(ImageOperations.create(images,
                ImageOperationSettings.fromConfig(b, ask), Clock.systemUTC()), "image-operations", Props.empty());
        ActorRef<OperationRegistry.Command> operations = system.systemActorOf(OperationRegistry.create(fleet,
                imageOperations, OperationSettings.fromConfig(b, ask, lifecycle), Clock.systemUTC()), "operations",
                Props.empty());
        EventFeed feed = new JournalEventFeed(system, journal, names::get, config.getInt("banger.api.sse-buffer"));
        OperationControl apiOperations = operationsLayer.wrap(new RegistryOperationControl(system, operations,
                OperationSettings.fromConfig(b, ask, lifecycle)), control, metrics);
        ActorImageOperationControl allOperations = new ActorImageOperationControl(system, imageOperations,
                new MeteredOperationControl(apiOperations, metrics.registry()),
                ask, config.getDuration("banger.api.bootstrap-timeout"));
        VmControl apiVms = vmsLayer.wrap(control, metrics);
        ApiServer api = new ApiServer(system, new ApiServices(new MeteredVmControl(apiVms, metrics.registry()),
                allOperations, (ref, argv, stdin, timeout) -> CompletableFuture.failedFuture(
                        new Rejected(Rejection.Reason.UNAVAILABLE, "no guests here")),
                feed, () -> CompletableFuture.completedFuture(List.of()), metrics, allOperations),
                ApiToken.loadOrCreate(stateDir), config);
        ServerBinding binding = api.bind("127.0.0.1", 0).toCompletableFuture().get(10, TimeUnit.SECONDS);
        return new LocalDaemon(metrics, binding, readToken(stateDir));
    }

    /**
     * Builds nothing; pulls without a registry: a pull reports progress as a real one does (resolving, two layers
     * downloaded and applied), slowly enough for a client to watch it and cancel it, then registers a stand-in
     * image whose source names the reference it was asked for.
     */
    private static final class StandInPulls implements ImageBuilder {

        private static final long LAYER_BYTES = 1L << 20;
        private static final int LAYERS = 2;

        @Override
        public Image build(String preset, String name) {
            throw new Rejected(Rejection.Reason.INVALID_REQUEST, "no image builds here");
        }

        @Override
        public Image pull(String ref, String name, String platform, BuildListener listener) {
            step(listener, BuildProgress.phase("resolving"));
            for (int layer = 1; layer <= LAYERS; layer++) {
                step(listener, new BuildProgress("downloading", layer * LAYER_BYTES, LAYERS * LAYER_BYTES,
                        layer - 1, LAYERS));
            }
            step(listener, new BuildProgress("applying", LAYERS * LAYER_BYTES, LAYERS * LAYER_BYTES, LAYERS, LAYERS));
            String digest = ref.contains("@") ? "" : "@sha256:" + "0123456789abcdef".repeat(4);
            return new Image(name, "tiny", "/stand-in/kernel", null, null, "/stand-in/rootfs", 32L << 20,
                    Instant.now(), "oci:" + ref + digest, null);
        }

        private static void step(BuildListener listener, BuildProgress progress) {
            listener.checkCancelled();
            listener.progress(progress);
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            listener.checkCancelled();
        }
    }

    /** Closes the listener and every open connection (event streams included), then the metrics. */
    public void stop() throws Exception {
        binding.terminate(Duration.ofSeconds(2)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        metrics.close();
    }

    private static String readToken(Path stateDir) {
        try {
            return Files.readString(stateDir.resolve(ApiToken.FILE_NAME)).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
