package banger.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** The bearer token every API call but /healthz and /readyz must present; kept in {@code <state-dir>/api.token}. */
public final class ApiToken {

    public static final String FILE_NAME = "api.token";
    private static final int TOKEN_BYTES = 32;
    private static final Pattern FORMAT = Pattern.compile("[0-9a-f]{" + 2 * TOKEN_BYTES + "}");

    private final byte[] value;

    private ApiToken(String value) {
        this.value = value.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Reads the token file, or creates it with a fresh random token. The file is created with mode 0600 in one
     * step, so it is never readable by others, not even briefly.
     */
    public static ApiToken loadOrCreate(Path stateDir) {
        Path file = stateDir.resolve(FILE_NAME);
        try {
            Files.createDirectories(stateDir);
            if (!Files.exists(file)) {
                byte[] random = new byte[TOKEN_BYTES];
                new SecureRandom().nextBytes(random);
                String token = HexFormat.of().formatHex(random);
                try {
                    Files.write(Files.createFile(file,
                                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                            (token + "\n").getBytes(StandardCharsets.US_ASCII));
                    return new ApiToken(token);
                } catch (FileAlreadyExistsException createdMeanwhile) {
                    // another process created it between the check and the create: use theirs
                }
            }
            String token = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (!FORMAT.matcher(token).matches()) {
                throw new IllegalStateException(file + " does not hold a " + 2 * TOKEN_BYTES
                        + "-digit hex token; delete it and the daemon makes a new one");
            }
            return new ApiToken(token);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the API token " + file, e);
        }
    }

    /** Constant-time comparison, so response timing does not reveal how much of a guess was right. */
    public boolean matches(String presented) {
        return presented != null
                && MessageDigest.isEqual(value, presented.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public String toString() {
        return "ApiToken(redacted)";
    }
}
