package banger.forward;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.vm.VmControl;
import banger.wire.CreateForwardRequest;
import banger.wire.ForwardView;
import banger.wire.VmView;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;

/** Checks a request, resolves the VM through the fleet, and asks {@link PortForwards}. */
public final class ActorPortForwarding implements PortForwarding {

    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    static final String DEFAULT_HOST_ADDRESS = "127.0.0.1";

    private final ActorSystem<?> system;
    private final ActorRef<PortForwards.Command> forwards;
    private final VmControl vms;
    private final ForwardSettings settings;
    private final Duration ask;

    public ActorPortForwarding(ActorSystem<?> system, ActorRef<PortForwards.Command> forwards, VmControl vms,
                               ForwardSettings settings, Duration ask) {
        this.system = system;
        this.forwards = forwards;
        this.vms = vms;
        this.settings = settings;
        this.ask = ask;
    }

    @Override
    public CompletionStage<ForwardView> open(String ref, CreateForwardRequest request) {
        String hostAddress;
        try {
            hostAddress = hostAddress(request);
        } catch (Rejected invalid) {
            return CompletableFuture.failedFuture(invalid);
        }
        return vms.get(ref).thenCompose(vm -> {
            if (vm.address() == null) {
                return CompletableFuture.failedFuture(new Rejected(Rejection.Reason.CONFLICT,
                        "VM " + vm.name() + " has no guest address to forward to"));
            }
            if ("deleting".equals(vm.state()) || "deleted".equals(vm.state())) {
                return CompletableFuture.failedFuture(new Rejected(Rejection.Reason.NOT_FOUND,
                        "VM " + vm.name() + " is being deleted"));
            }
            int hostPort = request.hostPort() == null ? 0 : request.hostPort();
            return AskPattern.<PortForwards.Command, StatusReply<ForwardView>>ask(forwards,
                    r -> new PortForwards.Open(vm.id(), vm.name(), vm.address(), request.guestPort(), hostAddress,
                            hostPort, r), ask, system.scheduler()).thenApply(StatusReply::getValue);
        });
    }

    @Override
    public CompletionStage<List<ForwardView>> list(String ref) {
        return vms.get(ref).thenCompose((VmView vm) -> AskPattern.<PortForwards.Command,
                StatusReply<List<ForwardView>>>ask(forwards, r -> new PortForwards.ListFor(vm.id(), r), ask,
                system.scheduler()).thenApply(StatusReply::getValue));
    }

    @Override
    public CompletionStage<ForwardView> close(String ref, String id) {
        return vms.get(ref).thenCompose((VmView vm) -> AskPattern.<PortForwards.Command,
                StatusReply<ForwardView>>ask(forwards, r -> new PortForwards.Close(vm.id(), id, r), ask,
                system.scheduler()).thenApply(StatusReply::getValue));
    }

    /** Validates the ports and returns the host address to listen on (an IP literal, loopback unless allowed). */
    private String hostAddress(CreateForwardRequest request) {
        if (request.guestPort() == null || request.guestPort() < 1 || request.guestPort() > 65535) {
            throw invalid("guest_port", "guest_port must be 1 to 65535");
        }
        if (request.hostPort() != null && (request.hostPort() < 0 || request.hostPort() > 65535)) {
            throw invalid("host_port", "host_port must be 0 (any free port) to 65535");
        }
        String address = request.hostAddress() == null ? DEFAULT_HOST_ADDRESS : request.hostAddress();
        boolean literal = IPV4.matcher(address).matches() || (address.contains(":") && IPV6.matcher(address).matches());
        InetAddress parsed;
        try {
            // a literal is parsed without a name lookup
            parsed = literal ? InetAddress.getByName(address) : null;
        } catch (UnknownHostException e) {
            parsed = null;
        }
        if (parsed == null) {
            throw invalid("host_address", "host_address must be an IP address, got \"" + address + "\"");
        }
        if (!parsed.isLoopbackAddress() && !settings.allowNonLoopback()) {
            throw invalid("host_address", "host_address " + address + " is not a loopback address; forwards on "
                    + "other addresses need banger.forwards.allow-non-loopback = true");
        }
        return parsed.getHostAddress();
    }

    private static Rejected invalid(String field, String message) {
        return new Rejected(new Rejection(Rejection.Reason.INVALID_REQUEST, message, java.util.Map.of("field", field)));
    }
}
