package banger.guest;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.io.resource.PathResource;
import org.apache.sshd.common.util.security.SecurityUtils;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Iterator;

/**
 * The daemon's SSH identity for guests: an ed25519 key pair in {@code <state-dir>/ssh/id_ed25519} (0600, OpenSSH
 * format, so the system `ssh -i` can use it too) and {@code id_ed25519.pub}. Created once, loaded afterwards.
 */
public final class SshKeys {

    static final String COMMENT = "banger";

    private final KeyPair keyPair;
    private final Path privateKeyPath;
    private final String publicKeyLine;

    private SshKeys(KeyPair keyPair, Path privateKeyPath) {
        this.keyPair = keyPair;
        this.privateKeyPath = privateKeyPath;
        this.publicKeyLine = PublicKeyEntry.toString(keyPair.getPublic()) + " " + COMMENT;
    }

    /** Loads the key pair under stateDir/ssh, creating it (and the 0700 directory) when missing. */
    public static SshKeys loadOrCreate(Path stateDir) {
        Path dir = stateDir.resolve("ssh");
        Path privateKey = dir.resolve("id_ed25519");
        try {
            if (Files.exists(privateKey)) {
                return new SshKeys(load(privateKey), privateKey);
            }
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            KeyPair keyPair = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
            SshKeys keys = new SshKeys(keyPair, privateKey);
            ByteArrayOutputStream encoded = new ByteArrayOutputStream();
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(keyPair, COMMENT, null, encoded);
            writeAtomically(dir.resolve("id_ed25519.pub"), (keys.publicKeyLine + "\n").getBytes(StandardCharsets.UTF_8), "rw-r--r--");
            // the private key last: its presence is what marks the pair as complete
            writeAtomically(privateKey, encoded.toByteArray(), "rw-------");
            return keys;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create SSH key in " + dir, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate an ed25519 key: " + e.getMessage(), e);
        }
    }

    public KeyPair keyPair() {
        return keyPair;
    }

    /** For `ssh -i`. */
    public Path privateKeyPath() {
        return privateKeyPath;
    }

    /** One authorized_keys line: "ssh-ed25519 AAAA... banger". */
    public String publicKeyLine() {
        return publicKeyLine;
    }

    private static KeyPair load(Path privateKey) throws IOException {
        try (InputStream in = Files.newInputStream(privateKey)) {
            Iterable<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(null, new PathResource(privateKey), in, null);
            Iterator<KeyPair> it = pairs == null ? null : pairs.iterator();
            if (it == null || !it.hasNext()) {
                throw new IOException(privateKey + " holds no key pair");
            }
            return it.next();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read SSH key " + privateKey + ": " + e.getMessage(), e);
        }
    }

    private static void writeAtomically(Path target, byte[] content, String permissions) throws IOException {
        Path temp = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions)));
        try {
            Files.write(temp, content);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
