package banger.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiTokenTest {

    @TempDir
    Path dir;

    @Test
    void createsA64HexDigitTokenFileReadableOnlyByTheOwner() throws Exception {
        Path stateDir = dir.resolve("state");
        ApiToken token = ApiToken.loadOrCreate(stateDir);
        Path file = stateDir.resolve("api.token");
        String value = Files.readString(file).strip();
        assertTrue(value.matches("[0-9a-f]{64}"), value);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(token.matches(value));
    }

    @Test
    void loadingAgainGivesTheSameTokenAndDifferentDirsDifferentOnes() throws Exception {
        ApiToken.loadOrCreate(dir);
        String first = Files.readString(dir.resolve("api.token")).strip();
        assertTrue(ApiToken.loadOrCreate(dir).matches(first));
        Path other = dir.resolve("other");
        ApiToken.loadOrCreate(other);
        assertFalse(first.equals(Files.readString(other.resolve("api.token")).strip()));
    }

    @Test
    void rejectsWrongOrMissingTokens() {
        ApiToken token = ApiToken.loadOrCreate(dir);
        assertFalse(token.matches(null));
        assertFalse(token.matches(""));
        assertFalse(token.matches("0".repeat(64)));
        assertFalse(token.toString().matches(".*[0-9a-f]{64}.*"));
    }

    @Test
    void refusesACorruptTokenFile() throws Exception {
        Files.writeString(dir.resolve("api.token"), "short");
        assertThrows(IllegalStateException.class, () -> ApiToken.loadOrCreate(dir));
    }
}
