package banger.guest;

import banger.host.CommandResult;
import banger.host.HostCommandException;
import banger.host.HostCommands;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Writes a guest's network, hostname, resolver and SSH key into its raw ext4 root image without mounting it,
 * through `debugfs -w` (e2fsprogs). The image must not be in use: run this before the VM first boots.
 */
public final class GuestConfigWriter {

    public static final String OS_TINY = "tiny";
    public static final String OS_DEBIAN = "debian";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Map<String, Integer> OWNED_DIRS = Map.of("/root/.ssh", 0700, "/etc/banger", 0755,
            "/etc/dropbear", 0755);

    /** A file to place in the guest, owned by root. */
    private record GuestFile(String path, byte[] content, int mode) {

        GuestFile(String path, String content, int mode) {
            this(path, content.getBytes(StandardCharsets.UTF_8), mode);
        }
    }

    private final HostCommands hosts;

    public GuestConfigWriter(HostCommands hosts) {
        this.hosts = hosts;
    }

    /**
     * @param image a raw ext4 filesystem image (not a partitioned disk, not qcow2)
     * @param os    "tiny" (busybox init reading /etc/banger/guest.env) or "debian" (also networkd, ifupdown, hosts)
     */
    public void write(Path image, String os, GuestConfig config) {
        if (!Files.isRegularFile(image)) {
            throw new IllegalArgumentException("disk image " + image + " does not exist");
        }
        List<GuestFile> files = filesFor(os, config);
        Path work;
        try {
            work = Files.createTempDirectory("banger-guestconfig-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp directory for guest config", e);
        }
        try {
            Path commands = writeCommands(work, files, missingDirs(image, work, files));
            requireNoErrors(hosts.run(List.of("debugfs", "-w", "-f", commands.toString(), image.toString()), TIMEOUT), image);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage guest config files", e);
        } finally {
            deleteTree(work);
        }
    }

    private static List<GuestFile> filesFor(String os, GuestConfig c) {
        List<GuestFile> files = new ArrayList<>();
        files.add(new GuestFile("/etc/banger/guest.env",
                "BANGER_HOSTNAME=" + c.hostname() + "\n"
                        + "BANGER_ADDRESS=" + c.addressCidr() + "\n"
                        + "BANGER_GATEWAY=" + c.gateway() + "\n"
                        + "BANGER_DNS=" + c.dns() + "\n", 0644));
        files.add(new GuestFile("/etc/hostname", c.hostname() + "\n", 0644));
        files.add(new GuestFile("/etc/resolv.conf", "nameserver " + c.dns() + "\n", 0644));
        files.add(new GuestFile("/root/.ssh/authorized_keys", c.authorizedKey() + "\n", 0600));
        if (OS_DEBIAN.equals(os)) {
            files.add(new GuestFile("/etc/systemd/network/10-banger.network",
                    "[Match]\nType=ether\nName=e*\n\n"
                            + "[Network]\nAddress=" + c.addressCidr() + "\nGateway=" + c.gateway() + "\nDNS=" + c.dns() + "\n", 0644));
            // ifupdown names the NIC; banger's debian image masks predictable names, so it is eth0
            files.add(new GuestFile("/etc/network/interfaces.d/banger",
                    "auto eth0\niface eth0 inet static\n    address " + c.addressCidr() + "\n    gateway " + c.gateway() + "\n", 0644));
            files.add(new GuestFile("/etc/hosts",
                    "127.0.0.1\tlocalhost\n" + c.address() + "\t" + c.hostname() + "\n"
                            + "::1\tlocalhost ip6-localhost ip6-loopback\n", 0644));
            if (c.hostKey() != null) {
                files.add(new GuestFile("/etc/ssh/ssh_host_ed25519_key", c.hostKey().openSshPrivate(), 0600));
                files.add(new GuestFile("/etc/ssh/ssh_host_ed25519_key.pub", c.hostKey().publicKeyLine() + "\n", 0644));
            }
        } else if (!OS_TINY.equals(os)) {
            throw new IllegalArgumentException("unknown guest os '" + os + "': expected " + OS_TINY + " or " + OS_DEBIAN);
        } else if (c.hostKey() != null) {
            files.add(new GuestFile("/etc/dropbear/dropbear_ed25519_host_key", c.hostKey().dropbearPrivate(), 0600));
        }
        return files;
    }

    /** Stages each file's content in work/ and writes the debugfs script that places them; returns the script. */
    private static Path writeCommands(Path work, List<GuestFile> files, Set<String> missingDirs) throws IOException {
        StringBuilder script = new StringBuilder();
        for (String dir : dirsOf(files)) {
            if (missingDirs.contains(dir)) {
                script.append("mkdir ").append(dir).append('\n');
            }
            // directories that already exist (/etc, /root) keep their modes; banger's own ones are forced
            Integer mode = OWNED_DIRS.get(dir);
            if (mode != null) {
                script.append(String.format("sif %s mode 0%o\n", dir, 040000 | mode));
                script.append("sif ").append(dir).append(" uid 0\nsif ").append(dir).append(" gid 0\n");
            }
        }
        int n = 0;
        for (GuestFile file : files) {
            Path local = work.resolve("file" + n++);
            Files.write(local, file.content());
            script.append("rm ").append(file.path()).append('\n');
            script.append("write ").append(local).append(' ').append(file.path()).append('\n');
            script.append(String.format("sif %s mode 0%o\n", file.path(), 0100000 | file.mode()));
            script.append("sif ").append(file.path()).append(" uid 0\nsif ").append(file.path()).append(" gid 0\n");
        }
        Path commands = work.resolve("commands");
        Files.writeString(commands, script.toString(), StandardCharsets.UTF_8);
        return commands;
    }

    /**
     * The directories the files need that the image lacks. Asked first because debugfs 1.47's mkdir on an
     * existing directory can leave an allocated, unconnected inode behind (e2fsck then reports it).
     */
    private Set<String> missingDirs(Path image, Path work, List<GuestFile> files) throws IOException {
        if (!work.toString().matches("[A-Za-z0-9/_.-]+")) {
            throw new IOException("temp directory " + work + " has characters debugfs cannot take");
        }
        Set<String> dirs = dirsOf(files);
        Path probe = work.resolve("probe");
        Files.writeString(probe, dirs.stream().map(d -> "stat " + d + "\n").collect(Collectors.joining()), StandardCharsets.UTF_8);
        CommandResult result = hosts.run(List.of("debugfs", "-f", probe.toString(), image.toString()), TIMEOUT).orThrow();
        Set<String> missing = new TreeSet<>();
        for (String line : result.stderr().lines().map(String::strip).toList()) {
            if (line.endsWith(": File not found by ext2_lookup")) {
                missing.add(line.substring(0, line.indexOf(": File not found")));
            } else if (!line.isEmpty() && !line.startsWith("debugfs ")) {
                throw new HostCommandException("debugfs cannot read " + image + ": " + line);
            }
        }
        return missing;
    }

    /** Every directory above the files, parents first. */
    private static Set<String> dirsOf(List<GuestFile> files) {
        Set<String> dirs = new TreeSet<>(Comparator.comparingInt((String d) -> d.split("/").length).thenComparing(d -> d));
        for (GuestFile file : files) {
            for (String dir = parent(file.path()); !dir.equals("/"); dir = parent(dir)) {
                dirs.add(dir);
            }
        }
        return dirs;
    }

    /**
     * debugfs exits 0 whatever its commands did, so its stderr is read instead. "Not found" from rm is expected
     * (the script removes before it writes, as write refuses to overwrite); anything else is a failure.
     */
    private static void requireNoErrors(CommandResult result, Path image) {
        result.orThrow();
        List<String> errors = result.stderr().lines()
                .map(String::strip)
                .filter(line -> !line.isEmpty())
                .filter(line -> !line.startsWith("debugfs "))
                .filter(line -> !line.startsWith("rm: File not found by ext2_lookup"))
                .toList();
        if (!errors.isEmpty()) {
            throw new HostCommandException("debugfs could not write guest config into " + image + ": " + String.join("; ", errors));
        }
    }

    private static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temp directory is harmless
        }
    }
}
