package banger.testsupport;

import banger.api.ApiToken;
import banger.api.EventFeed;
import banger.api.HttpApi;
import banger.api.JournalEventFeed;
import banger.image.Image;
import banger.image.ImageRegistry;
import banger.metrics.BangerMetrics;
import banger.metrics.FleetGauges;
import banger.metrics.MeteredOperationControl;
import banger.metrics.MeteredVmControl;
import banger.metrics.VmEventMeter;
import banger.operation.OperationRegistry;
import banger.operation.OperationSettings;
import banger.operation.RegistryOperationControl;
import banger.persistence.SqliteReadJournal;
import banger.vm.FleetVmControl;
import banger.vm.GuestAddresses;
import banger.vm.RequestRejected;
import banger.vm.VmDefaults;
import banger.vm.VmFleet;
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
 * The daemon's control plane in-process, for tests and the benchmark: the real HttpApi (with metrics) over the
 * real fleet, image registry and SQLite journal in a state directory, bound to a free loopback port. Only the
 * VmRuntime is a stand-in, and there is no network, DNS, guest access or doctor.
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
        Config config = system.settings().config();
        Config b = config.getConfig("banger");
        Path stateDir = Path.of(b.getString("state-dir"));
        Duration ask = b.getDuration("timeouts.ask");
        BangerMetrics metrics = new BangerMetrics(false);
        Instant started = Instant.now();

        ActorRef<ImageRegistry.Command> images = system.systemActorOf(ImageRegistry.create((preset, name) -> {
            throw new RequestRejected(RequestRejected.Reason.INVALID, "no image builds here");
        }), "images", Props.empty());
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
        system.systemActorOf(FleetGauges.create(control, Optional.empty(), metrics.registry(),
                b.getDuration("metrics.poll-interval"), ask), "metrics-gauges", Props.empty());

        Duration lifecycle = b.getDuration("timeouts.boot").plus(ask);
        ActorRef<OperationRegistry.Command> operations = system.systemActorOf(OperationRegistry.create(fleet,
                OperationSettings.fromConfig(b, ask, lifecycle), Clock.systemUTC()), "operations", Props.empty());
        EventFeed feed = new JournalEventFeed(system, journal, names::get, config.getInt("banger.api.sse-buffer"));
        HttpApi api = new HttpApi(system, new MeteredVmControl(control, metrics.registry()),
                new MeteredOperationControl(new RegistryOperationControl(system, operations,
                        OperationSettings.fromConfig(b, ask, lifecycle)), metrics.registry()),
                ApiToken.loadOrCreate(stateDir),
                (ref, argv, stdin, timeout) -> CompletableFuture.failedFuture(
                        new RequestRejected(RequestRejected.Reason.UNAVAILABLE, "no guests here")),
                feed, () -> CompletableFuture.completedFuture(List.of()), metrics, config);
        ServerBinding binding = api.bind("127.0.0.1", 0).toCompletableFuture().get(10, TimeUnit.SECONDS);
        return new LocalDaemon(metrics, binding, readToken(stateDir));
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
