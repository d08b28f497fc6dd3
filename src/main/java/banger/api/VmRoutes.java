package banger.api;

import static banger.api.Endpoint.authed;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.exec.GuestExec;
import banger.operation.OperationControl;
import banger.operation.OperationErrors;
import banger.operation.VmLifecycle;
import banger.vm.VmControl;
import banger.vm.VmPhase;
import banger.wire.CreateVmRequest;
import banger.wire.OperationView;
import banger.wire.PatchVmRequest;
import banger.wire.VmView;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.FileIO;

/**
 * {@code /v1/vms}: create (an operation), list, get, change, the lifecycle calls, history, the console and exec.
 * The states {@code ?state=} accepts are {@link VmPhase}'s, so filter and reported state cannot drift apart.
 */
final class VmRoutes extends ResourceRoutes {

    /** Every state a VM can report, in lifecycle order. */
    static final List<String> STATES = Arrays.stream(VmPhase.values()).map(VmPhase::wireName).toList();

    private final VmControl vms;
    private final OperationControl operations;
    private final GuestExec guestExec;
    private final RequestValidation validation;
    private final ConsoleFollower consoleTail;
    private final StreamLimits streamLimits;
    private final GeneratedVmNames generatedNames;

    VmRoutes(ApiContext context, VmControl vms, OperationControl operations, GuestExec guestExec) {
        super(context);
        this.vms = vms;
        this.operations = operations;
        this.guestExec = guestExec;
        this.validation = new RequestValidation(context.settings());
        this.streamLimits = new StreamLimits(context.errors(), context.settings());
        this.generatedNames = new GeneratedVmNames(vms);
        this.consoleTail = new ConsoleFollower(context.system(), context.blocking(),
                context.settings().consolePollInterval());
    }

    @Override
    List<Endpoint> endpoints() {
        return List.of(
                authed("POST", "/v1/vms", p -> create()),
                authed("GET", "/v1/vms", p -> list()),
                authed("GET", "/v1/vms/{ref}", p -> ok(vms.get(p.get("ref")))),
                authed("PATCH", "/v1/vms/{ref}", p -> patch(p.get("ref"))),
                authed("DELETE", "/v1/vms/{ref}", p -> lifecycle(VmLifecycle.DELETE, p.get("ref"))),
                authed("POST", "/v1/vms/{ref}/start", p -> lifecycle(VmLifecycle.START, p.get("ref"))),
                authed("POST", "/v1/vms/{ref}/stop", p -> lifecycle(VmLifecycle.STOP, p.get("ref"))),
                authed("POST", "/v1/vms/{ref}/restart", p -> lifecycle(VmLifecycle.RESTART, p.get("ref"))),
                authed("POST", "/v1/vms/{ref}/suspend", p -> lifecycle(VmLifecycle.SUSPEND, p.get("ref"))),
                authed("POST", "/v1/vms/{ref}/kill", p -> kill(p.get("ref"))),
                authed("GET", "/v1/vms/{ref}/console", p -> console(p.get("ref"))),
                authed("GET", "/v1/vms/{ref}/history", p ->
                        ok(vms.history(p.get("ref")).thenApply(h -> Map.of("events", h)))),
                authed("POST", "/v1/vms/{ref}/exec", p -> exec(p.get("ref"))),
                // counted as activity on the way in (VmActivity): the keep-alive of SSH sessions the daemon cannot see
                authed("POST", "/v1/vms/{ref}/activity", p -> ok(vms.get(p.get("ref")))));
    }

    /**
     * Start, stop, restart, delete, suspend: 202 with the operation once the VM is found (an unknown VM answers 404 at once);
     * with ?wait=true, 200 with the VM once it got there (a deleted VM's last view), or the operation's error. An
     * Idempotency-Key finds the earlier request's operation instead of running the call again.
     */
    private Route lifecycle(VmLifecycle action, String ref) {
        return parameterOptional("wait", wait -> optionalHeaderValueByName("Idempotency-Key", key -> {
            String idempotencyKey = key.map(validation::idempotencyKey).orElse(null);
            CompletionStage<OperationView> accepted = operations.runLifecycle(action, ref, idempotencyKey);
            if (flag("wait", wait)) {
                // a boot under TCG, or a graceful stop, can outlast the server's default request timeout
                return withRequestTimeout(context.settings().createWaitTimeout().multipliedBy(action.transitions()),
                        () -> ok(accepted.thenCompose(op -> operations.awaitVm(op.id()))));
            }
            return accepted202(accepted);
        }));
    }

    /** A kill is quick (no graceful shutdown; a boot in flight is aborted), so it is answered when done. */
    private Route kill(String ref) {
        return withRequestTimeout(context.settings().createWaitTimeout(), () -> ok(vms.kill(ref)));
    }

    private Route accepted202(CompletionStage<OperationView> accepted) {
        return completeWithFuture(accepted.thenApply(op -> json(202, op)
                .addHeader(Location.create("/v1/operations/" + op.id()))));
    }

    /**
     * 202 with the create's operation once the VM is registered (refusals answer at once, as errors); with
     * ?wait=true, 201 with the VM once it is created (and started). An Idempotency-Key finds the earlier
     * request's operation instead of creating a second VM.
     */
    private Route create() {
        return parameterOptional("wait", wait -> optionalHeaderValueByName("Idempotency-Key", key ->
                jsonBody(CreateVmRequest.class, unnamed -> {
                    validation.create(unnamed);
                    String idempotencyKey = key.map(validation::idempotencyKey).orElse(null);
                    return onSuccess(generatedNames.named(unnamed), request -> {
                        CompletionStage<OperationView> accepted = operations.createVm(request, idempotencyKey);
                        if (flag("wait", wait)) {
                            // a boot may outlast the server's request timeout
                            return withRequestTimeout(context.settings().createWaitTimeout(), () -> respond(201,
                                    accepted.thenCompose(op -> operations.awaitFinished(op.id()))
                                            .thenCompose(this::createdVm)));
                        }
                        return accepted202(accepted);
                    });
                })));
    }

    private CompletionStage<VmView> createdVm(OperationView op) {
        return switch (op.state()) {
            case "succeeded" -> vms.get(op.vmId());
            case "cancelled" -> CompletableFuture.failedFuture(new Rejected(Rejection.Reason.CONFLICT,
                    "the creation of VM " + op.vm() + " was cancelled (operation " + op.id() + ")"));
            default -> CompletableFuture.failedFuture(OperationErrors.asRejection(op.error()));
        };
    }

    private Route list() {
        return parameterOptional("state", state -> parameterList("label", labels -> {
            state.ifPresent(s -> {
                if (!STATES.contains(s)) {
                    throw ApiProblem.invalidField("state", "must be one of " + String.join(", ", STATES));
                }
            });
            Map<String, String> wanted = labelFilter(labels);
            return ok(vms.list().thenApply(all -> Map.of("vms", all.stream()
                    .filter(vm -> state.map(s -> s.equals(vm.state())).orElse(true))
                    .filter(vm -> hasLabels(vm, wanted))
                    .toList())));
        }));
    }

    private static Map<String, String> labelFilter(List<String> labels) {
        Map<String, String> wanted = new HashMap<>();
        for (String label : labels) {
            int eq = label.indexOf('=');
            if (eq <= 0) {
                throw ApiProblem.invalidField("label", "filter must be key=value, got \"" + label + "\"");
            }
            wanted.put(label.substring(0, eq), label.substring(eq + 1));
        }
        return wanted;
    }

    private static boolean hasLabels(VmView vm, Map<String, String> wanted) {
        Map<String, String> labels = vm.labels() == null ? Map.of() : vm.labels();
        return wanted.entrySet().stream().allMatch(w -> w.getValue().equals(labels.get(w.getKey())));
    }

    private Route patch(String ref) {
        return jsonBody(PatchVmRequest.class, request -> {
            validation.patch(request);
            return ok(vms.patch(ref, request));
        });
    }

    private Route console(String ref) {
        return parameterOptional("follow", follow -> {
            if (flag("follow", follow)) {
                return streamLimits.admitFollower(consoleTail.following(),
                        () -> onSuccess(vms.consoleLog(ref), file -> complete(HttpResponse.create().withEntity(
                                HttpEntities.createChunked(ContentTypes.TEXT_PLAIN_UTF8,
                                        consoleTail.follow(file, () -> streamLimits.exists(vms.get(ref))))))));
            }
            CompletionStage<Optional<Path>> existing = vms.consoleLog(ref).thenApplyAsync(
                    file -> Files.isRegularFile(file) ? Optional.of(file) : Optional.<Path>empty(),
                    context.blocking());
            return onSuccess(existing, file -> file
                    .map(f -> complete(HttpResponse.create().withEntity(
                            HttpEntities.createChunked(ContentTypes.TEXT_PLAIN_UTF8, FileIO.fromPath(f)))))
                    .orElseGet(() -> complete(HttpResponse.create()
                            .withEntity(ContentTypes.TEXT_PLAIN_UTF8, new byte[0]))));
        });
    }

    private Route exec(String ref) {
        return jsonBody(ExecRequest.class, request -> {
            validation.exec(request);
            Duration timeout = request.timeoutS() == null
                    ? context.settings().execDefaultTimeout()
                    : Duration.ofSeconds(request.timeoutS());
            byte[] stdin = request.stdin() == null ? new byte[0] : request.stdin().getBytes(StandardCharsets.UTF_8);
            // the guest command may run as long as its timeout; the HTTP request must outlive it
            return withRequestTimeout(timeout.plusSeconds(10),
                    () -> ok(guestExec.exec(ref, request.argv(), stdin, timeout)));
        });
    }
}
