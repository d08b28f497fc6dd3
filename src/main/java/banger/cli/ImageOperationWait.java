package banger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;

/**
 * Starts an image operation (pull, bootstrap) and waits for it by polling {@code GET /v1/operations/{id}},
 * printing its progress on stderr whenever the phase, the layer count or a tenth of the bytes change; answers the
 * image it made. A failed or cancelled operation becomes an {@link ApiException} carrying its error.
 */
final class ImageOperationWait {

    private static final Duration POLL = Duration.ofMillis(500);

    private final ApiClient api;
    private final PrintWriter err;

    ImageOperationWait(ApiClient api, PrintWriter err) {
        this.api = api;
        this.err = err;
    }

    JsonNode run(String path, Object body) {
        JsonNode op = api.send("POST", path, body, ApiClient.READ_TIMEOUT);
        String id = op.path("id").asText();
        String image = op.path("image").asText();
        Instant deadline = Instant.now().plus(ApiClient.BOOTSTRAP_TIMEOUT);
        String shown = "";
        while (!finished(op)) {
            String line = describe(op.path("progress"));
            if (line != null && !line.equals(shown)) {
                err.println();
                err.print("  " + line);
                err.flush();
                shown = line;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new CliError("operation " + id + " did not finish within "
                        + Formats.duration(ApiClient.BOOTSTRAP_TIMEOUT) + "; see banger op show " + id);
            }
            sleep();
            op = api.get(ApiPaths.operation(id));
        }
        if (!shown.isEmpty()) {
            err.print(" ");
        }
        return switch (op.path("state").asText()) {
            case "succeeded" -> imageNamed(image);
            case "cancelled" -> throw new ApiException(409, "conflict", "operation " + id + " was cancelled");
            default -> throw new ApiException(0, op.path("error").path("code").asText("operation_failed"),
                    op.path("error").path("message").asText("operation " + id + " failed"));
        };
    }

    private JsonNode imageNamed(String name) {
        for (JsonNode image : api.get(ApiPaths.IMAGES).path("images")) {
            if (name.equals(image.path("name").asText())) {
                return image;
            }
        }
        throw new CliError("image " + name + " was made but is not listed");
    }

    private static boolean finished(JsonNode op) {
        String state = op.path("state").asText();
        return state.equals("succeeded") || state.equals("failed") || state.equals("cancelled");
    }

    /** "downloading 12.5M/40M, 1/3 layers", in tenths of the total so the lines stay few. */
    static String describe(JsonNode progress) {
        if (progress.isMissingNode() || progress.isNull()) {
            return null;
        }
        StringBuilder line = new StringBuilder(progress.path("phase").asText());
        long total = progress.path("bytes_total").asLong(-1);
        if (total > 0) {
            long done = progress.path("bytes_done").asLong();
            line.append(' ').append(Formats.bytes(total * Math.min(10, done * 10 / total) / 10)).append('/')
                    .append(Formats.bytes(total));
        }
        int layers = progress.path("layers_total").asInt();
        if (layers > 0) {
            line.append(", ").append(progress.path("layers_done").asInt()).append('/').append(layers).append(" layers");
        }
        return line.toString();
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliError("interrupted while waiting");
        }
    }
}
