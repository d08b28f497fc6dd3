package banger.daemon;

import banger.api.ApiToken;
import banger.api.HttpApi;
import banger.api.JournalEventFeed;
import banger.guest.GuestAccess;
import banger.guest.GuestConfigWriter;
import banger.guest.GuestSsh;
import banger.guest.SshGuestExec;
import banger.guest.SshKeys;
import banger.host.HostCommands;
import banger.host.HostDoctor;
import banger.host.ProcessHostCommands;
import banger.image.PresetImageBuilder;
import banger.metrics.BangerMetrics;
import banger.metrics.FleetGauges;
import banger.metrics.MeteredOperationControl;
import banger.metrics.MeteredVmControl;
import banger.metrics.VmEventMeter;
import banger.network.AddressAllocator;
import banger.network.HostNetwork;
import banger.network.HostResolvers;
import banger.network.Subnet;
import banger.network.VmDnsServer;
import banger.operation.OperationSettings;
import banger.operation.RegistryOperationControl;
import banger.persistence.SqliteReadJournal;
import banger.storage.DiskClonerChoice;
import banger.vm.ConsoleReadiness;
import banger.vm.FleetVmControl;
import banger.vm.GuestAddresses;
import banger.vm.GuestPreparation;
import banger.vm.VmDefaults;
import banger.vm.VmDirectory;
import banger.vm.VmHandles;
import banger.vmm.KvmProbe;
import banger.vmm.Vmm;
import banger.vmm.VmmSelector;
import banger.vmm.firecracker.FirecrackerVmm;
import banger.vmm.qemu.QemuVmm;
import com.typesafe.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.stream.Stream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Composition root: host setup, drivers, the actor system, DNS and the HTTP API. */
public final class Daemon {

    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private Daemon() {
    }

    /** Starts the daemon and blocks until its actor system terminates (SIGTERM / SIGINT run a coordinated shutdown). */
    public static void runUntilStopped(DaemonOptions options) {
        Config config = DaemonConfig.load(options);
        Config b = config.getConfig("banger");
        Path stateDir = Path.of(b.getString("state-dir")).toAbsolutePath();
        // settings that can be wrong are checked before anything on the host changes
        String listen = b.getString("listen");
        int port = DaemonConfig.port(listen);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("banger.listen has no valid port: " + listen);
        }
        Optional<Subnet> subnet = b.getBoolean("network.enabled")
                ? Optional.of(Subnet.parse(b.getString("network.subnet"))) : Optional.empty();
        createPrivateDir(stateDir);
        HostCommands host = new ProcessHostCommands();

        String firecrackerBinary = b.getString("firecracker.binary");
        VmmSelector.Selection selection = VmmSelector.select(b.getString("vmm"), firecrackerBinary,
                host.available(firecrackerBinary), new KvmProbe()::kvmUsable);
        Vmm vmm = selection.kind().equals(FirecrackerVmm.KIND)
                ? new FirecrackerVmm(host, Path.of(firecrackerBinary))
                : new QemuVmm(host, b.getString("qemu.binary"), b.getString("qemu.accel"));
        log.info("VMM: {} ({})", selection.kind(), selection.reason());

        SshKeys keys = SshKeys.loadOrCreate(stateDir);
        GuestSsh ssh = new GuestSsh(keys.keyPair());
        Optional<HostNetwork> network = Optional.empty();
        Optional<VmDnsServer> dns = Optional.empty();
        GuestPreparation guest = new ConsoleReadiness();
        GuestAddresses addresses = GuestAddresses.NONE;
        Optional<Guardian.TapPoolSettings> taps = Optional.empty();
        if (subnet.isPresent()) {
            Subnet net = subnet.get();
            HostNetwork hostNetwork = new HostNetwork(host, b.getString("network.bridge"), net);
            hostNetwork.ensure();
            network = Optional.of(hostNetwork);
            dns = Optional.of(startDns(b, net));
            AddressAllocator allocator = new AddressAllocator(net);
            addresses = taken -> Optional.of(allocator.allocate(taken));
            guest = new GuestAccess(new GuestConfigWriter(host), keys, ssh, net);
            taps = Optional.of(new Guardian.TapPoolSettings(b.getString("network.bridge"),
                    b.getInt("network.tap-pool-size")));
        }
        VmNameBook names = new VmNameBook(dns);

        Duration ask = b.getDuration("timeouts.ask");
        Duration boot = b.getDuration("timeouts.boot");
        Duration grace = b.getDuration("timeouts.shutdown-grace");
        Duration lifecycle = boot.plus(grace).plus(ask);
        OperationSettings operations = OperationSettings.fromConfig(b, ask, lifecycle);
        Guardian.Parts parts = new Guardian.Parts(stateDir, host, vmm,
                new DiskClonerChoice(host, b.getString("disk-cloner")),
                new PresetImageBuilder(host, stateDir.resolve("images")), guest, addresses, names,
                VmDefaults.fromConfig(b), taps, tapsInUse(stateDir), ask, boot, grace,
                b.getDuration("timeouts.liveness-interval"), b.getDuration("reconciler.interval"),
                b.getDuration("reconciler.orphan-min-age"), operations);
        BangerMetrics metrics = new BangerMetrics(b.getBoolean("metrics.jvm"));
        Instant started = Instant.now();
        ActorSystem<Guardian.Command> system = ActorSystem.create(Guardian.create(parts), "banger", config);
        try {
            Guardian.Services services = AskPattern.ask(system, Guardian.GetServices::new, ask, system.scheduler())
                    .toCompletableFuture().join();
            Executor blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig("banger.blocking-dispatcher"));
            FleetVmControl control = new FleetVmControl(system, services.fleet(), services.images(),
                    SqliteReadJournal.IDENTIFIER, stateDir, ask, lifecycle,
                    config.getDuration("banger.api.bootstrap-timeout"));
            SqliteReadJournal journal = PersistenceQuery.get(system)
                    .getReadJournalFor(SqliteReadJournal.class, SqliteReadJournal.IDENTIFIER);
            VmEventMeter.run(journal, metrics.registry(), started, system);
            system.systemActorOf(FleetGauges.create(control, services.taps(), metrics.registry(),
                    b.getDuration("metrics.poll-interval"), ask), "metrics-gauges", Props.empty());
            HostDoctor doctor = new HostDoctor(host, new HostDoctor.Setup(stateDir, selection.kind(),
                    selection.reason(), b.getString("qemu.binary"), firecrackerBinary, network,
                    b.getString("defaults.image")), control, blocking);
            HttpApi api = new HttpApi(system, new MeteredVmControl(control, metrics.registry()),
                    new MeteredOperationControl(new RegistryOperationControl(system, services.operations(), operations),
                            metrics.registry()),
                    ApiToken.loadOrCreate(stateDir), new SshGuestExec(control, ssh, blocking),
                    new JournalEventFeed(system, journal, names::nameOf, config.getInt("banger.api.sse-buffer")),
                    doctor, metrics, config);
            ServerBinding binding = api.bind(DaemonConfig.host(listen), port)
                    .toCompletableFuture().join();
            Optional<VmDnsServer> dnsServer = dns;
            CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceUnbind(), "http-unbind",
                    () -> binding.unbind().thenApply(done -> Done.getInstance()));
            CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceStop(), "dns-and-ssh",
                    () -> CompletableFuture.supplyAsync(() -> {
                        dnsServer.ifPresent(VmDnsServer::close);
                        ssh.close();
                        return Done.getInstance();
                    }, blocking));
            log.info("banger daemon listening on http://{} (state dir {}, vmm {})",
                    binding.localAddress().getHostString() + ":" + binding.localAddress().getPort(), stateDir,
                    selection.kind());
        } catch (RuntimeException e) {
            system.terminate();
            metrics.close();
            throw e;
        }
        system.getWhenTerminated().toCompletableFuture().join();
        metrics.close();
    }

    private static VmDnsServer startDns(Config b, Subnet subnet) {
        List<InetSocketAddress> upstreams = b.getStringList("network.dns-upstreams").stream().map(s -> {
            int i = s.lastIndexOf(':');
            return i > 0 ? new InetSocketAddress(s.substring(0, i), Integer.parseInt(s.substring(i + 1)))
                    : new InetSocketAddress(s, 53);
        }).toList();
        if (upstreams.isEmpty() && b.getBoolean("network.dns-forward-to-host")) {
            upstreams = HostResolvers.from(Path.of("/etc/resolv.conf"));
        }
        try {
            VmDnsServer server = new VmDnsServer(InetAddress.getByName(subnet.gatewayAddress()),
                    b.getInt("network.dns-port"), b.getString("network.dns-domain"), upstreams);
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the VM DNS server on " + subnet.gatewayAddress(), e);
        }
    }

    /** TAPs named in VMs' handles.json: their VMs may still be running and keep them. */
    private static Map<String, String> tapsInUse(Path stateDir) {
        Map<String, String> taps = new HashMap<>();
        Path vms = stateDir.resolve("vms");
        if (!Files.isDirectory(vms)) {
            return taps;
        }
        try (Stream<Path> dirs = Files.list(vms)) {
            dirs.forEach(d -> {
                try {
                    new VmDirectory(d).readHandles().map(VmHandles::tap)
                            .ifPresent(tap -> taps.put(d.getFileName().toString(), tap));
                } catch (UncheckedIOException e) {
                    log.warn("ignoring unreadable handles in {}: {}", d, e.getMessage());
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return taps;
    }

    private static void createPrivateDir(Path dir) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create state dir " + dir, e);
        }
    }
}
