package banger.vmm.firecracker;

import banger.host.HostCommands;
import banger.storage.VmDisk;
import banger.vmm.LaunchSpec;
import banger.vmm.LogTail;
import banger.vmm.ProcessTable;
import banger.vmm.Vmm;
import banger.vmm.VmmCapabilities;
import banger.vmm.VmmException;
import banger.vmm.VmmHandle;
import banger.vmm.VmmProcessControl;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Runs one Firecracker process per VM, configured entirely by {@code --config-file} and controlled over
 * its API socket. The process starts in its own session, so it survives a daemon restart and is adopted
 * from its handle ({@code --id banger-<vmId>} in its argv is the /proc marker). With a {@link FirecrackerJail}
 * it runs under the jailer (chroot, unprivileged user), its marker then {@code --id=banger-<vmId>}.
 */
public final class FirecrackerVmm implements Vmm {

    public static final String KIND = "firecracker";
    static final String API_SOCKET = "firecracker.sock";
    static final String CONFIG_FILE = "firecracker.json";
    static final String LOG_FILE = "firecracker.log";

    // Firecracker's --id: alphanumerics and '-', at most 64 characters ("banger-" takes 7)
    private static final Pattern VM_ID = Pattern.compile("[A-Za-z0-9-]{1,57}");
    // sun_path holds 108 bytes including the terminating NUL
    private static final int MAX_SOCKET_PATH = 107;
    private static final Duration API_REQUEST_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final byte[] ELF_MAGIC = {0x7f, 'E', 'L', 'F'};

    private final HostCommands host;
    private final Path binary;
    private final Duration startTimeout;
    private final ProcessTable processes = new ProcessTable();
    private final VmmProcessControl processControl = new VmmProcessControl("Firecracker", processes);
    private Optional<FirecrackerJail> jail = Optional.empty();

    public FirecrackerVmm(HostCommands host, Path firecrackerBinary) {
        this(host, firecrackerBinary, Duration.ofSeconds(30));
    }

    /** @param startTimeout how long the API socket may take to answer after the process starts */
    public FirecrackerVmm(HostCommands host, Path firecrackerBinary, Duration startTimeout) {
        this.host = host;
        this.binary = firecrackerBinary;
        this.startTimeout = startTimeout;
    }

    /** Runs every VM under the jailer. Call before the first launch. */
    public FirecrackerVmm jailed(FirecrackerJail jail) {
        this.jail = Optional.of(jail);
        return this;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public VmmCapabilities capabilities() {
        return new VmmCapabilities(VmmCapabilities.KernelFormat.VMLINUX,
                Set.of(VmDisk.RAW));
    }

    @Override
    public VmmHandle launch(LaunchSpec spec, java.util.function.Consumer<VmmHandle> spawned) {
        if (!VM_ID.matcher(spec.vmId()).matches()) {
            throw new VmmException("VM id '" + spec.vmId() + "' cannot be a Firecracker --id (letters, digits, '-', at most 57)");
        }
        Path vmDir = spec.vmDir().toAbsolutePath();
        String marker = marker(spec.vmId());
        // the jail's root holds what the jailed process may see: its socket, config and log go there
        Path home = jail.map(j -> j.root(vmDir, marker)).orElse(vmDir);
        Path socket = home.resolve(API_SOCKET);
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
            throw new VmmException("API socket path " + socket + " is longer than a unix socket allows (" + MAX_SOCKET_PATH + " bytes)");
        }
        Path logFile = home.resolve(LOG_FILE);
        FirecrackerConfig config = jail.isPresent() ? FirecrackerJail.config(spec) : FirecrackerConfig.from(spec, logFile);
        requireElfKernel(spec.kernel());
        Path configFile = home.resolve(CONFIG_FILE);
        try {
            Files.createDirectories(home);
            if (jail.isPresent()) {
                jail.get().populate(spec, home);
            }
            // Firecracker refuses to bind over an existing socket file, which a crashed run leaves behind
            Files.deleteIfExists(socket);
            if (!Files.exists(logFile)) {
                Files.createFile(logFile);
            }
            Files.writeString(configFile, config.toJson(), StandardCharsets.UTF_8);
            if (jail.isPresent()) {
                Files.setAttribute(logFile, "unix:uid", jail.get().uid());
            }
        } catch (IOException e) {
            throw new VmmException("cannot prepare " + home + " for Firecracker: " + e.getMessage(), e);
        }
        List<String> argv = jail.map(j -> j.argv(vmDir, marker)).orElse(List.of(binary.toString(),
                "--api-sock", socket.toString(),
                "--config-file", configFile.toString(),
                "--id", marker));
        String procMarker = jail.isPresent() ? FirecrackerJail.procMarker(marker) : marker;
        long pid;
        try {
            pid = host.startDetached(argv, spec.consoleLog());
        } catch (RuntimeException e) {
            throw new VmmException("cannot start " + binary + ": " + e.getMessage(), e);
        }
        VmmHandle handle = new VmmHandle(KIND, pid, socket.toString(), procMarker);
        try {
            spawned.accept(handle);
        } catch (RuntimeException e) {
            kill(handle);
            throw e;
        }
        awaitApi(handle, spec.consoleLog());
        return handle;
    }

    @Override
    public void shutdown(VmmHandle handle, Duration grace) {
        processControl.shutdown(handle, grace, "SendCtrlAltDel", () -> client(handle).sendCtrlAltDel());
    }

    @Override
    public void kill(VmmHandle handle) {
        processControl.kill(handle);
    }

    @Override
    public List<VmmHandle> find(String vmId, Path vmDir) {
        return processControl.find(KIND, marker(vmId), vmDir, vmDir.toAbsolutePath().resolve(API_SOCKET).toString());
    }

    @Override
    public boolean alive(VmmHandle handle) {
        return processControl.alive(handle);
    }

    /** The API client for a running VM's socket. */
    @Override
    public void pause(VmmHandle handle) {
        client(handle).setState("Paused");
    }

    @Override
    public void resume(VmmHandle handle) {
        client(handle).setState("Resumed");
    }

    public FirecrackerApiClient client(VmmHandle handle) {
        return new FirecrackerApiClient(Path.of(handle.controlSocket()), API_REQUEST_TIMEOUT);
    }

    static String marker(String vmId) {
        return "banger-" + vmId;
    }

    private void awaitApi(VmmHandle handle, Path consoleLog) {
        long deadline = System.nanoTime() + startTimeout.toNanos();
        FirecrackerApiClient api = new FirecrackerApiClient(Path.of(handle.controlSocket()), API_REQUEST_TIMEOUT);
        String lastError = "socket not created";
        while (System.nanoTime() < deadline) {
            // until setsid has exec'd Firecracker the command line is still the JVM's: only its exit counts here
            if (!processes.running(handle.pid())) {
                throw new VmmException("Firecracker exited during start-up: " + LogTail.of(consoleLog, "(console log empty)"));
            }
            if (Files.exists(Path.of(handle.controlSocket()))) {
                try {
                    api.describeInstance();
                    return;
                } catch (VmmException e) {
                    lastError = e.getMessage();
                }
            }
            processControl.pause(POLL);
        }
        kill(handle);
        throw new VmmException("Firecracker API did not answer within " + startTimeout.toSeconds() + "s (" + lastError
                + "); console: " + LogTail.of(consoleLog, "(console log empty)"));
    }

    private static void requireElfKernel(Path kernel) {
        byte[] head = new byte[ELF_MAGIC.length];
        try (InputStream in = Files.newInputStream(kernel)) {
            if (in.readNBytes(head, 0, head.length) != head.length || !Arrays.equals(head, ELF_MAGIC)) {
                throw new VmmException("Firecracker needs an uncompressed ELF vmlinux, but " + kernel
                        + " is not ELF (a bzImage? extract it with VmlinuxExtractor)");
            }
        } catch (IOException e) {
            throw new VmmException("cannot read kernel " + kernel + ": " + e.getMessage(), e);
        }
    }
}
