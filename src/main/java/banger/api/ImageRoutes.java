package banger.api;

import static banger.api.Endpoint.authed;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.operation.ImageOperationControl;
import banger.operation.OperationErrors;
import banger.vm.VmControl;
import banger.wire.ImageView;
import banger.wire.OperationView;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code /v1/images}: the registered images; pulling and building one from a preset (as operations),
 * registering, deleting, and promoting a stopped VM's disk.
 */
final class ImageRoutes extends ResourceRoutes {

    private final VmControl images;
    private final ImageOperationControl operations;
    private final RequestValidation validation;

    /** @param images only its image calls are used */
    ImageRoutes(ApiContext context, VmControl images, ImageOperationControl operations) {
        super(context);
        this.images = images;
        this.operations = operations;
        this.validation = new RequestValidation(context.settings());
    }

    @Override
    List<Endpoint> endpoints() {
        return List.of(
                authed("GET", "/v1/images", p -> ok(images.images().thenApply(i -> Map.of("images", i)))),
                authed("POST", "/v1/images/bootstrap", p -> bootstrap()),
                authed("POST", "/v1/images", p -> register()),
                authed("POST", "/v1/images/pull", p -> pull()),
                authed("DELETE", "/v1/images/{name}", p -> ok(images.deleteImage(p.get("name")))),
                authed("POST", "/v1/vms/{ref}/promote", p -> promote(p.get("ref"))));
    }

    private Route register() {
        return jsonBody(RegisterImageRequest.class, request -> respond(201, images.registerImage(request.name(),
                request.os(), request.kernel(), request.initrd(), request.rootfs())));
    }

    private Route pull() {
        return jsonBody(PullImageRequest.class, request -> {
            request.validate();
            return asOperation(() -> operations.pull(request.ref(), request.nameOrDefault(), request.platform()));
        });
    }

    private Route bootstrap() {
        return jsonBody(BootstrapImageRequest.class, request -> {
            validation.bootstrap(request);
            return asOperation(() -> operations.bootstrap(request.preset(), request.name()));
        });
    }

    private Route promote(String ref) {
        // flattening a disk takes seconds per GiB, beyond the server's request timeout for big disks
        return withRequestTimeout(context.settings().bootstrapTimeout(),
                () -> jsonBody(PromoteVmRequest.class, request -> {
                    request.validate();
                    return respond(201, images.promoteVm(ref, request.name()));
                }));
    }

    /**
     * 202 with the operation (Location: /v1/operations/{id}); with ?wait=true, 201 with the image once it is
     * made, or the operation's error.
     */
    private Route asOperation(Supplier<CompletionStage<OperationView>> start) {
        return parameterOptional("wait", wait -> {
            CompletionStage<OperationView> started = start.get();
            if (flag("wait", wait)) {
                // a pull or debootstrap may take minutes, far beyond the server's request timeout
                return withRequestTimeout(context.settings().bootstrapTimeout(), () -> respond(201,
                        started.thenCompose(op -> operations.awaitFinished(op.id())).thenCompose(this::madeImage)));
            }
            return completeWithFuture(started.thenApply(op -> json(202, op)
                    .addHeader(Location.create("/v1/operations/" + op.id()))));
        });
    }

    private CompletionStage<ImageView> madeImage(OperationView op) {
        return switch (op.state()) {
            case "succeeded" -> images.images().thenCompose(all -> {
                Optional<ImageView> made = all.stream().filter(i -> i.name().equals(op.image())).findFirst();
                return made.<CompletionStage<ImageView>>map(CompletableFuture::completedFuture).orElseGet(() ->
                        CompletableFuture.failedFuture(new Rejected(Rejection.Reason.NOT_FOUND, "image "
                                + op.image() + " was made by operation " + op.id() + " but is gone again")));
            });
            case "cancelled" -> CompletableFuture.failedFuture(new Rejected(Rejection.Reason.CONFLICT,
                    "making image " + op.image() + " was cancelled (operation " + op.id() + ")"));
            default -> CompletableFuture.failedFuture(OperationErrors.asRejection(op.error()));
        };
    }
}
