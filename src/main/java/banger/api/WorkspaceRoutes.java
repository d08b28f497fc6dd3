package banger.api;

import banger.workspace.GuestPaths;
import banger.workspace.WorkspaceService;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.StreamConverters;

/**
 * /v1/vms/{ref}/workspace: PUT an application/x-tar body (streamed) with ?path= and the client's base commit
 * (?base_commit= or the X-Banger-Base-Commit header); GET its record and the guest's git state; GET .../bundle
 * (the guest's commits since the base, 204 when none) and .../diff (its uncommitted changes).
 */
final class WorkspaceRoutes extends AllDirectives {

    static final String BASE_COMMIT_HEADER = "X-Banger-Base-Commit";
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}([0-9a-f]{24})?");

    private final WorkspaceService workspaces;
    private final StreamedBodies bodies;
    private final ApiErrors errors;
    private final JsonAnswers answers;

    WorkspaceRoutes(WorkspaceService workspaces, StreamedBodies bodies, ApiErrors errors, JsonAnswers answers) {
        this.workspaces = workspaces;
        this.bodies = bodies;
        this.errors = errors;
        this.answers = answers;
    }

    Route prepare(String ref) {
        return parameterOptional("path", path -> parameterOptional("base_commit", query ->
                optionalHeaderValueByName(BASE_COMMIT_HEADER, header -> extractRequestEntity(entity -> {
                    if (!entity.getContentType().mediaType().equals(MediaTypes.APPLICATION_X_TAR)) {
                        return complete(errors.response(ApiErrorCode.UNSUPPORTED_MEDIA_TYPE,
                                "the body must be application/x-tar, not " + entity.getContentType().mediaType()));
                    }
                    String guestPath = GuestPaths.belowRoot("path", path.orElse(null));
                    String base = baseCommit(query.or(() -> header));
                    return bodies.upload(tar -> workspaces.prepare(ref, guestPath, base, tar));
                }))));
    }

    Route show(String ref) {
        return answers.ok(workspaces.status(ref));
    }

    Route bundle(String ref) {
        return completeWithFuture(workspaces.bundle(ref).handle((bundle, failure) -> {
            if (failure != null) {
                return errors.response(StreamedBodies.translate(failure));
            }
            return bundle.map(in -> HttpResponse.create().withEntity(HttpEntities.createChunked(
                            ContentTypes.APPLICATION_OCTET_STREAM, StreamConverters.fromInputStream(() -> in))))
                    .orElseGet(() -> HttpResponse.create().withStatus(204));
        }));
    }

    Route diff(String ref) {
        return bodies.download(workspaces.diff(ref), ContentTypes.APPLICATION_OCTET_STREAM);
    }

    private static String baseCommit(Optional<String> value) {
        if (value.isEmpty() || value.get().isEmpty()) {
            return null;
        }
        String commit = value.get().strip().toLowerCase();
        if (!COMMIT.matcher(commit).matches()) {
            throw ApiProblem.invalidField("base_commit", "must be a full commit id (40 or 64 hex digits)");
        }
        return commit;
    }
}
