package banger.daemon;

import banger.wire.DaemonOptions;
import banger.api.ApiToken;
import banger.api.ApiServer;
import banger.api.ApiServices;
import banger.api.GuestIo;
import banger.api.JournalEventFeed;
import banger.vm.GuestAccess;
import banger.guest.GuestConfigWriter;
import banger.guest.GuestHostKeys;
import banger.guest.GuestIoExecutor;
import banger.guest.GuestSsh;
import banger.exec.SshGuestExec;
import banger.forward.ActorPortForwarding;
import banger.forward.ForwardSettings;
import banger.forward.PortForwarding;
import banger.forward.PortForwards;
import banger.guest.SshKeys;
import banger.host.HostCommands;
import banger.doctor.HostDoctor;
import banger.host.ProcessHostCommands;
import banger.image.DiskPromoter;
import banger.image.PresetImageBuilder;
import banger.image.TinyImageBuilder;
import banger.metrics.AdmissionGauges;
import banger.image.oci.BlobCache;
import banger.image.oci.ImageSources;
import banger.image.oci.OciImagePuller;
import banger.image.oci.RegistryClient;
import banger.image.oci.RegistryCredentials;
import banger.metrics.BangerMetrics;
import banger.metrics.FleetGauges;
import banger.metrics.MeteredOperationControl;
import banger.metrics.MeteredVmControl;
import banger.metrics.VmEventMeter;
import banger.network.AddressAllocator;
import banger.network.GuestIsolation;
import banger.network.DnsLimits;
import banger.network.HostNetwork;
import banger.network.HostResolvers;
import banger.network.Subnet;
import banger.network.TapOwner;
import banger.network.VmDnsServer;
import banger.operation.ActorImageOperationControl;
import banger.operation.HostBudgets;
import banger.operation.ImageOperationSettings;
import banger.operation.OperationSettings;
import banger.persistence.JournalCompactor;
import banger.operation.HostQuota;
import banger.operation.QuotaOperationControl;
import banger.operation.QuotaVmControl;
import banger.operation.RegistryOperationControl;
import banger.persistence.SqliteReadJournal;
import banger.storage.DiskClonerChoice;
import banger.vm.ConsoleReadiness;
import banger.vm.FleetVmControl;
import banger.vm.GuestAddresses;
import banger.vm.GuestPreparation;
import banger.vm.Vm;
import banger.vm.VmDefaults;
import banger.vm.VmDirectory;
import banger.vm.VmHandles;
import banger.vm.admission.BootAdmission;
import banger.vm.admission.QueuedVmControl;
import banger.vmm.KvmProbe;
import banger.vmm.Vmm;
import banger.vmm.VmmSelector;
import banger.vmm.console.ConsoleLimits;
import banger.vmm.console.SerialConsoles;
import banger.vmm.firecracker.FirecrackerJail;
import banger.vmm.firecracker.FirecrackerVmm;
import banger.vmm.qemu.QemuSandbox;
import banger.vmm.qemu.QemuVmm;
import banger.workspace.GuestJobs;
import banger.workspace.SshGuestFiles;
import banger.workspace.SshGuestPorts;
import banger.workspace.SshWorkspaceService;
import banger.workspace.VmWorkspaceJournal;
import banger.workspace.WorkspaceExecutor;
import banger.workspace.WorkspaceSettings;
import banger.workspace.Workspaces;
import com.typesafe.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.function.Supplier;
import java.util.concurrent.CompletionStage;
import com.typesafe.config.ConfigFactory;
import banger.operation.OperationRegistry;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.stream.Stream;
import banger.session.ActorSessionControl;
import banger.session.FleetSessionHost;
import banger.session.GuestSessions;
import banger.session.SessionControl;
import banger.session.SessionSettings;
import banger.session.SessionsSupervisor;
import java.time.Clock;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
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
        String listenWarning = ListenPolicy.check(DaemonConfig.host(listen), b.getBoolean("api.allow-non-loopback"));
        Optional<Subnet> subnet = b.getBoolean("network.enabled")
                ? Optional.of(Subnet.parse(b.getString("network.subnet"))) : Optional.empty();
        createPrivateDir(stateDir);
        StatePermissions.secure(stateDir).forEach(change -> log.warn("state dir: {}", change));
        if (!listenWarning.isEmpty()) {
            log.warn(listenWarning);
        }
        HostCommands host = new ProcessHostCommands();

        String firecrackerBinary = b.getString("firecracker.binary");
        VmmSelector.Selection selection = VmmSelector.select(b.getString("vmm"), firecrackerBinary,
                host.available(firecrackerBinary), new KvmProbe()::kvmUsable);
        QemuSandbox sandbox = QemuSandbox.of(b.getString("qemu.run-as"));
        if (!selection.kind().equals(FirecrackerVmm.KIND)) {
            sandbox.ensureUser(host);
        }
        SerialConsoles consoles = new SerialConsoles(new ConsoleLimits(b.getBytes("console.max-bytes"),
                b.getInt("console.keep-files")));
        Optional<FirecrackerJail> jail = selection.kind().equals(FirecrackerVmm.KIND)
                ? FirecrackerJailing.fromConfig(b, host) : Optional.empty();
        Vmm vmm = selection.kind().equals(FirecrackerVmm.KIND)
                ? jail.map(j -> new FirecrackerVmm(host, j.firecracker()).jailed(j))
                        .orElseGet(() -> new FirecrackerVmm(host, Path.of(firecrackerBinary)))
                : new QemuVmm(host, b.getString("qemu.binary"), b.getString("qemu.accel"), consoles)
                        .sandboxed(sandbox);
        consoles.reattachEvery(stateDir.resolve("vms"), b.getDuration("console.reattach-interval"));
        log.info("VMM: {} ({})", selection.kind(), selection.reason());

        SshKeys keys = SshKeys.loadOrCreate(stateDir);
        GuestHostKeys hostKeys = new GuestHostKeys(stateDir.resolve("vms"));
        GuestSsh ssh = new GuestSsh(keys.keyPair(), hostKeys);
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
            guest = new GuestAccess(new GuestConfigWriter(host), keys, ssh, net, hostKeys);
            Optional<GuestIsolation> isolation = Optional.empty();
            if (b.getBoolean("network.isolation.enabled")) {
                GuestIsolation guard = new GuestIsolation(host, b.getString("network.bridge"), net,
                        b.getBoolean("network.isolation.allow-private-ranges"));
                guard.ensure();
                isolation = Optional.of(guard);
            }
            taps = Optional.of(new Guardian.TapPoolSettings(b.getString("network.bridge"),
                    b.getInt("network.tap-pool-size"), isolation, jail.map(j -> new TapOwner(j.uid(), j.gid()))));
        }
        VmNameBook names = new VmNameBook(dns);
        VmRemovalHook fleetNames = new VmRemovalHook(names);

        Duration ask = b.getDuration("timeouts.ask");
        Duration boot = b.getDuration("timeouts.boot");
        Duration grace = b.getDuration("timeouts.shutdown-grace");
        Duration lifecycle = boot.plus(grace).plus(ask);
        OperationSettings operations = OperationSettings.fromConfig(b, ask, lifecycle);
        BootAdmission boots = new BootAdmission(b.getInt("admission.max-concurrent-boots"));
        Guardian.Parts parts = new Guardian.Parts(stateDir, host, vmm,
                new DiskClonerChoice(host, b.getString("disk-cloner")),
                imageSources(b, host, stateDir.resolve("images")), guest, addresses, fleetNames,
                VmDefaults.fromConfig(b), taps, tapsInUse(stateDir), ask, boot, grace,
                b.getDuration("timeouts.liveness-interval"), b.getDuration("reconciler.interval"),
                b.getDuration("reconciler.orphan-min-age"), operations, boots, ImageOperationSettings.fromConfig(b, ask));
        BangerMetrics metrics = new BangerMetrics(b.getBoolean("metrics.jvm"));
        Instant started = Instant.now();
        Duration finishWithin = b.getDuration("operations.shutdown-finish-within");
        Duration cancelWithin = b.getDuration("operations.shutdown-cancel-within");
        // the drain below runs in this phase, which would otherwise be cut off after pekko's default 5 s
        config = ConfigFactory.parseString("pekko.coordinated-shutdown.phases.service-requests-done.timeout = "
                + finishWithin.plus(cancelWithin).plusSeconds(5).toMillis() + "ms").withFallback(config);
        ActorSystem<Guardian.Command> system = ActorSystem.create(Guardian.create(parts), "banger", config);
        try {
            Guardian.Services services = AskPattern.ask(system, Guardian.GetServices::new, ask, system.scheduler())
                    .toCompletableFuture().join();
            Executor blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig("banger.blocking-dispatcher"));
            GuestIoExecutor guestIo = GuestIoExecutor.fromConfig(config);
            FleetVmControl control = new FleetVmControl(system, services.fleet(), services.images(),
                    SqliteReadJournal.IDENTIFIER, stateDir, ask, lifecycle,
                    config.getDuration("banger.api.bootstrap-timeout"));
            SqliteReadJournal journal = PersistenceQuery.get(system)
                    .getReadJournalFor(SqliteReadJournal.class, SqliteReadJournal.IDENTIFIER);
            VmEventMeter.run(journal, metrics.registry(), started, system);
            AdmissionGauges.register(boots, metrics.registry());
            JournalCompactor.of(system, Path.of(b.getString("persistence.db-path")), Vm.compactionRule(b))
                    .every(system, b.getDuration("compaction.interval"));
            system.systemActorOf(FleetGauges.create(control, services.taps(), metrics.registry(),
                    b.getDuration("metrics.poll-interval"), ask), "metrics-gauges", Props.empty());
            HostDoctor doctor = new HostDoctor(host, new HostDoctor.Setup(stateDir, selection.kind(),
                    selection.reason(), b.getString("qemu.binary"), firecrackerBinary, network,
                    b.getString("defaults.image"), new HostDoctor.FirecrackerJailing(
                    b.getString("firecracker.jailer-binary"), jail.isPresent())), control, blocking);
            GuestIo workspaceIo = guestIo(system, services, control, ssh, config, ask);
            HostQuota quota = new HostQuota(control, HostBudgets.fromConfig(b, stateDir), VmDefaults.fromConfig(b),
                    metrics.registry());
            ActorImageOperationControl allOperations = new ActorImageOperationControl(system,
                    services.imageOperations(), new MeteredOperationControl(new QuotaOperationControl(
                            new RegistryOperationControl(system, services.operations(), operations), quota),
                            metrics.registry()), ask, config.getDuration("banger.api.bootstrap-timeout"));
            ApiServer api = new ApiServer(system, new ApiServices(new MeteredVmControl(
                    new QuotaVmControl(new QueuedVmControl(control, boots), quota), metrics.registry()),
                    allOperations,
                    new SshGuestExec(control, ssh, guestIo, 22, config.getBytes("banger.exec.max-output-bytes")),
                    new JournalEventFeed(system, journal, names::nameOf, config.getInt("banger.api.sse-buffer")),
                    doctor, metrics, workspaceIo, sessions(system, b, control, services, ssh, ask), allOperations,
                    forwards(system, b, control, fleetNames, subnet.isPresent(), ask)),
                    ApiToken.loadOrCreate(stateDir), config);
            ServerBinding binding = api.bind(DaemonConfig.host(listen), port)
                    .toCompletableFuture().join();
            Optional<VmDnsServer> dnsServer = dns;
            CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceUnbind(), "http-unbind",
                    () -> binding.unbind().thenApply(done -> Done.getInstance()));
            // SIGTERM: once the API stopped taking requests, operations in flight finish or are cancelled, and their
            // outcome is journaled, before the actors stop
            Supplier<CompletionStage<Done>> drain = () -> AskPattern.<OperationRegistry.Command, List<String>>ask(
                            services.operations(), r -> new OperationRegistry.Drain(finishWithin, cancelWithin, r),
                            finishWithin.plus(cancelWithin).plusSeconds(2), system.scheduler())
                    .handle((left, err) -> Done.getInstance());
            CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "drain-operations",
                    drain);
            CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceStop(), "dns-and-ssh",
                    () -> CompletableFuture.supplyAsync(() -> {
                        dnsServer.ifPresent(VmDnsServer::close);
                        ssh.close();
                        guestIo.close();
                        consoles.close();
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

    /**
     * Presets built locally and OCI images pulled, both through the host's shared cache (blobs, and Debian
     * packages under debian/); VM disks promoted.
     */
    private static ImageSources imageSources(Config b, HostCommands host, Path imagesDir) {
        Path cacheDir = Path.of(b.getString("images.cache-dir"));
        Path packages = cacheDir.resolve("debian");
        String authFile = b.getString("images.registry-auth-file");
        RegistryClient registries = new RegistryClient(
                authFile.isBlank() ? RegistryCredentials.none() : RegistryCredentials.fromFile(Path.of(authFile)),
                Set.copyOf(b.getStringList("images.insecure-registries")), b.getDuration("images.registry-timeout"));
        return new ImageSources(new PresetImageBuilder(host, imagesDir, packages), new OciImagePuller(host, imagesDir,
                new BlobCache(cacheDir), registries, new TinyImageBuilder(host, packages)),
                new DiskPromoter(host, imagesDir));
    }

    /**
     * Workspace, file and port I/O: per-VM Workspace actors under one system actor, on an executor of their
     * own that stops with the daemon.
     */
    private static GuestIo guestIo(ActorSystem<?> system, Guardian.Services services, FleetVmControl control,
                                   GuestSsh ssh, Config config, Duration ask) {
        WorkspaceSettings settings = WorkspaceSettings.fromConfig(config);
        ThreadPoolExecutor executor = WorkspaceExecutor.create(settings);
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceStop(), "workspace-executor", () -> {
            executor.shutdownNow();
            return CompletableFuture.completedFuture(Done.getInstance());
        });
        GuestJobs jobs = new GuestJobs(system.systemActorOf(Workspaces.create(control, executor,
                settings.vmCheckInterval()), "workspaces", Props.empty()), control);
        VmWorkspaceJournal journal = new VmWorkspaceJournal(system, services.fleet(), SqliteReadJournal.IDENTIFIER, ask);
        return new GuestIo(new SshWorkspaceService(jobs, ssh, settings, control, journal, Clock.systemUTC()),
                new SshGuestFiles(jobs, ssh, settings), new SshGuestPorts(jobs, ssh, settings));
    }

    /** Guest sessions: one supervisor actor owning a VmSessions per VM, their SSH I/O on its own dispatcher. */
    /** Port forwards need a guest network to reach guests; they close when the fleet removes their VM. */
    private static PortForwarding forwards(ActorSystem<?> system, Config b, FleetVmControl control,
                                           VmRemovalHook removals, boolean guestNetwork, Duration ask) {
        if (!guestNetwork) {
            return PortForwarding.unavailable();
        }
        ForwardSettings settings = ForwardSettings.fromConfig(b);
        ActorRef<PortForwards.Command> forwards = system.systemActorOf(Supervision.singleton(
                PortForwards.create(settings, control, Clock.systemUTC())), "forwards", Props.empty());
        removals.onRemoved(id -> forwards.tell(new PortForwards.VmRemoved(id)));
        return new ActorPortForwarding(system, forwards, control, settings, ask);
    }

    private static SessionControl sessions(ActorSystem<?> system, Config b, FleetVmControl control,
                                           Guardian.Services services, GuestSsh ssh, Duration ask) {
        SessionSettings settings = SessionSettings.fromConfig(b);
        Executor io = system.dispatchers().lookup(DispatcherSelector.fromConfig(SessionSettings.DISPATCHER));
        GuestSessions guest = new GuestSessions(ssh, settings.guestTimeout());
        ActorRef<SessionsSupervisor.Command> supervisor = system.systemActorOf(SessionsSupervisor.create(
                new FleetSessionHost(system, control, services.fleet(), SqliteReadJournal.IDENTIFIER, ask),
                guest, io, settings, Clock.systemUTC()), "sessions", Props.empty());
        return new ActorSessionControl(system, control, supervisor, guest, io,
                ask.plus(settings.guestTimeout().multipliedBy(2)));
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
                    b.getInt("network.dns-port"), b.getString("network.dns-domain"), upstreams, subnet,
                    new DnsLimits(b.getInt("network.dns-udp-workers"), b.getInt("network.dns-udp-queue"),
                            b.getInt("network.dns-tcp-max-connections"), b.getDuration("network.dns-tcp-deadline")));
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
