package banger.guest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.io.resource.PathResource;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * Each VM's own SSH host key, made by banger: an ed25519 pair in {@code vms/<id>/ssh_host_ed25519_key}
 * (OpenSSH format, 0600), written into the guest before it boots, and pinned to the VM's address in
 * {@code vms/<id>/ssh_host_ed25519_key.pin} ("ADDRESS ssh-ed25519 AAAA..."). A pin is set on every start;
 * after a daemon restart the pins are read back from the VM directories. Thread-safe.
 */
public final class GuestHostKeys implements HostKeyPins {

    static final String KEY_FILE = "ssh_host_ed25519_key";
    static final String PIN_FILE = KEY_FILE + ".pin";

    /** A VM's host key in the forms guests take it. */
    public record HostKey(KeyPair pair, String publicKeyLine, byte[] openSshPrivate, byte[] dropbearPrivate) {
    }

    private final Path vmsDir;
    private final Map<String, PublicKey> pins = new ConcurrentHashMap<>();

    /** @param vmsDir {@code <state-dir>/vms}, holding one directory per VM */
    public GuestHostKeys(Path vmsDir) {
        this.vmsDir = vmsDir;
    }

    /** The VM's host key, made on its first call for that directory. */
    public HostKey loadOrCreate(Path vmDir) {
        Path file = vmDir.resolve(KEY_FILE);
        try {
            KeyPair pair;
            if (Files.exists(file)) {
                pair = load(file);
            } else {
                pair = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
                Files.createDirectories(vmDir);
                writeAtomically(file, openSsh(pair), "rw-------");
            }
            byte[] openSsh = Files.readAllBytes(file);
            return new HostKey(pair, PublicKeyEntry.toString(pair.getPublic()) + " banger-vm", openSsh,
                    dropbear(openSsh));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the SSH host key in " + vmDir, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate an ed25519 host key: " + e.getMessage(), e);
        }
    }

    /** From now on the guest at {@code address} must present this VM's key. */
    public void pin(Path vmDir, String address, HostKey key) {
        try {
            writeAtomically(vmDir.resolve(PIN_FILE), (address + " " + PublicKeyEntry.toString(key.pair().getPublic())
                    + "\n").getBytes(StandardCharsets.UTF_8), "rw-r--r--");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot pin the SSH host key of " + vmDir, e);
        }
        pins.put(address, key.pair().getPublic());
    }

    @Override
    public Optional<PublicKey> expected(String address) {
        PublicKey known = pins.get(address);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<PublicKey> found = scan(address);
        found.ifPresent(key -> pins.putIfAbsent(address, key));
        return found;
    }

    /** The newest pin for the address among the VM directories (an older one may be a deleted VM's leftover). */
    private Optional<PublicKey> scan(String address) {
        if (!Files.isDirectory(vmsDir)) {
            return Optional.empty();
        }
        PublicKey best = null;
        FileTime bestTime = null;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(vmsDir)) {
            for (Path dir : dirs) {
                Path pin = dir.resolve(PIN_FILE);
                if (!Files.isRegularFile(pin)) {
                    continue;
                }
                String line = Files.readString(pin, StandardCharsets.UTF_8).strip();
                int space = line.indexOf(' ');
                if (space < 0 || !line.substring(0, space).equals(address)) {
                    continue;
                }
                FileTime time = Files.getLastModifiedTime(pin);
                if (bestTime == null || time.compareTo(bestTime) > 0) {
                    best = PublicKeyEntry.parsePublicKeyEntry(line.substring(space + 1)).resolvePublicKey(null, Map.of(), null);
                    bestTime = time;
                }
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read pinned SSH host keys under " + vmsDir + ": " + e.getMessage(), e);
        }
        return Optional.ofNullable(best);
    }

    private static byte[] openSsh(KeyPair pair) throws IOException, GeneralSecurityException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, "banger-vm", null, out);
        return out.toByteArray();
    }

    private static KeyPair load(Path file) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            Iterable<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(null, new PathResource(file), in, null);
            Iterator<KeyPair> it = pairs == null ? null : pairs.iterator();
            if (it == null || !it.hasNext()) {
                throw new IOException(file + " holds no key pair");
            }
            return it.next();
        }
    }

    /**
     * Dropbear's own ed25519 private key file: string "ssh-ed25519", then one string of the 32-byte seed and the
     * 32-byte public key, which is exactly the private field of an unencrypted openssh-key-v1 file.
     */
    static byte[] dropbear(byte[] openSshPem) {
        String text = new String(openSshPem, StandardCharsets.US_ASCII);
        String body = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        ByteBuffer in = ByteBuffer.wrap(Base64.getDecoder().decode(body));
        byte[] magic = new byte[15];
        in.get(magic);
        if (!Arrays.equals(magic, "openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII))) {
            throw new IllegalArgumentException("not an openssh-key-v1 private key");
        }
        if (!"none".equals(new String(string(in), StandardCharsets.US_ASCII))) {
            throw new IllegalArgumentException("the host key must not be encrypted");
        }
        string(in);
        string(in);
        if (in.getInt() != 1) {
            throw new IllegalArgumentException("expected exactly one key");
        }
        string(in);
        ByteBuffer block = ByteBuffer.wrap(string(in));
        block.getInt();
        block.getInt();
        String type = new String(string(block), StandardCharsets.US_ASCII);
        if (!"ssh-ed25519".equals(type)) {
            throw new IllegalArgumentException("not an ed25519 key: " + type);
        }
        string(block);
        byte[] secret = string(block);
        if (secret.length != 64) {
            throw new IllegalArgumentException("ed25519 private part is " + secret.length + " bytes, not 64");
        }
        ByteBuffer out = ByteBuffer.allocate(4 + 11 + 4 + 64);
        out.putInt(11).put("ssh-ed25519".getBytes(StandardCharsets.US_ASCII)).putInt(64).put(secret);
        return out.array();
    }

    private static byte[] string(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("truncated key");
        }
        byte[] value = new byte[length];
        in.get(value);
        return value;
    }

    private static void writeAtomically(Path target, byte[] content, String permissions) throws IOException {
        Path temp = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions)));
        try {
            Files.write(temp, content);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
