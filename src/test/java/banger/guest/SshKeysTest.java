package banger.guest;

import banger.host.ProcessHostCommands;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.common.signature.Signature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SshKeysTest {

    @TempDir
    Path state;

    @Test
    void createsPrivateKeyOnlyOwnerCanRead() throws IOException {
        SshKeys keys = SshKeys.loadOrCreate(state);
        assertEquals(state.resolve("ssh/id_ed25519"), keys.privateKeyPath());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.privateKeyPath())));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("ssh"))));
        assertTrue(Files.readString(keys.privateKeyPath()).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----"));
    }

    @Test
    void publicKeyIsOpenSshEd25519Line() throws IOException {
        SshKeys keys = SshKeys.loadOrCreate(state);
        assertTrue(keys.publicKeyLine().matches("ssh-ed25519 [A-Za-z0-9+/=]+ banger"), keys.publicKeyLine());
        assertEquals(keys.publicKeyLine() + "\n", Files.readString(state.resolve("ssh/id_ed25519.pub")));
    }

    @Test
    void secondCallLoadsTheSameKey() throws Exception {
        SshKeys first = SshKeys.loadOrCreate(state);
        SshKeys second = SshKeys.loadOrCreate(state);
        assertEquals(first.publicKeyLine(), second.publicKeyLine());
        assertTrue(signedByLoadedVerifiesWithCreated(first.keyPair(), second.keyPair()), "loaded key differs from the created one");
    }

    private static boolean signedByLoadedVerifiesWithCreated(KeyPair created, KeyPair loaded) throws Exception {
        byte[] data = "banger".getBytes(StandardCharsets.UTF_8);
        Signature signer = BuiltinSignatures.ed25519.create();
        signer.initSigner(null, loaded.getPrivate());
        signer.update(null, data);
        byte[] signature = signer.sign(null);
        Signature verifier = BuiltinSignatures.ed25519.create();
        verifier.initVerifier(null, created.getPublic());
        verifier.update(null, data);
        return verifier.verify(null, signature);
    }

    @Test
    void opensshReadsThePrivateKey() {
        SshKeys keys = SshKeys.loadOrCreate(state);
        String derived = new ProcessHostCommands()
                .check(List.of("ssh-keygen", "-y", "-f", keys.privateKeyPath().toString()), Duration.ofSeconds(10))
                .stdout().strip();
        String[] ours = keys.publicKeyLine().split(" ");
        assertTrue(derived.startsWith(ours[0] + " " + ours[1]), derived);
    }
}
