package banger.vm;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.wire.CreateVmRequest;
import banger.wire.VmView;
import banger.image.Image;
import banger.image.ImageRegistry;
import banger.persistence.JournalFailures;
import banger.persistence.JsonSerializable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * Creates VMs (validated, unique names, guest addresses), owns their actors, routes to them by id or name,
 * and keeps the in-memory index that list and get read. Which VMs exist, with their names and addresses,
 * is journaled here, so name uniqueness and address allocation survive restarts; each VM's life is
 * journaled by its own actor.
 */
public final class VmFleet extends EventSourcedBehaviorWithEnforcedReplies<VmFleet.Command, VmFleet.Event, VmFleet.State> {

    public sealed interface Command extends JsonSerializable {
    }

    /**
     * Creates a VM; {@code replyTo} hears when it is created (and started, if asked). {@code accepted}, if not null,
     * hears as soon as the VM is registered, before its start: from then on it can be reached by id.
     */
    public record Create(CreateVmRequest request, ActorRef<Accepted> accepted, ActorRef<StatusReply<VmView>> replyTo)
            implements Command {

        public Create(CreateVmRequest request, ActorRef<StatusReply<VmView>> replyTo) {
            this(request, null, replyTo);
        }
    }

    /** A create passed its checks: the VM is registered under this id and its actor has the creation in hand. */
    public record Accepted(String vmId, String name) implements JsonSerializable {
    }

    /** Finds a VM's actor by id or name. */
    public record Resolve(String ref, ActorRef<StatusReply<ActorRef<VmCommand>>> replyTo) implements Command {
    }

    public record Get(String ref, ActorRef<StatusReply<VmView>> replyTo) implements Command {
    }

    public record ListVms(ActorRef<List<VmView>> replyTo) implements Command {
    }

    /** The ids of every registered VM, whether or not its actor has recovered yet. */
    public record ListRegistered(ActorRef<Set<String>> replyTo) implements Command {
    }

    /** A VM tells the fleet its latest view after every change. */
    public record VmChanged(VmView view) implements Command {
    }

    /**
     * A registered VM recovered with no Created event: the daemon died (or the journal write failed) between the
     * fleet's VmRegistered and the VM's Created. The registration is rolled back.
     */
    public record NeverCreated(String id) implements Command {
    }

    /** A VM finished its deletion. */
    public record VmGone(String id, String name) implements Command {
    }

    private record ImageChecked(Create create, Image image, Rejected rejection) implements Command {
    }

    public sealed interface Event extends JsonSerializable {
    }

    public record VmRegistered(String id, String name, String address, Instant at) implements Event {
    }

    public record VmRemoved(String id, Instant at) implements Event {
    }

    public record Entry(String name, String address) implements JsonSerializable {
    }

    /** Registered VMs by id. */
    public record State(Map<String, Entry> vms) implements JsonSerializable {
    }

    private final ActorContext<Command> ctx;
    private final ActorRef<ImageRegistry.Command> images;
    private final VmRuntime runtime;
    private final GuestAddresses addresses;
    private final VmNameListener names;
    private final VmDefaults defaults;
    private final VmChildren vmChildren;
    private final Duration livenessInterval;
    private final Duration askTimeout;
    private final Clock clock;

    // Actor-local: live children, the latest view of each VM, and names reserved by creates in flight.
    private final Map<String, ActorRef<VmCommand>> children = new HashMap<>();
    private final Map<String, VmView> views = new HashMap<>();
    private final Set<String> pendingNames = new HashSet<>();
    /** Who asked for each VM registered by this fleet whose Created has not been reported yet. */
    private final Map<String, ActorRef<StatusReply<VmView>>> creating = new HashMap<>();

    public static Behavior<Command> create(ActorRef<ImageRegistry.Command> images, VmRuntime runtime,
                                           GuestAddresses addresses, VmNameListener names,
                                           VmDefaults defaults, Duration livenessInterval, Duration askTimeout, Clock clock) {
        return create(images, runtime, addresses, names, defaults, VmChildren.NONE, livenessInterval, askTimeout, clock);
    }

    /** @param children the kinds of per-VM child every VM offers (sessions, workspaces) */
    public static Behavior<Command> create(ActorRef<ImageRegistry.Command> images, VmRuntime runtime,
                                           GuestAddresses addresses, VmNameListener names, VmDefaults defaults,
                                           VmChildren children, Duration livenessInterval, Duration askTimeout,
                                           Clock clock) {
        return Behaviors.setup(ctx -> new VmFleet(ctx, images, runtime, addresses, names, defaults, children,
                livenessInterval, askTimeout, clock));
    }

    private VmFleet(ActorContext<Command> ctx, ActorRef<ImageRegistry.Command> images, VmRuntime runtime,
                    GuestAddresses addresses, VmNameListener names, VmDefaults defaults, VmChildren children,
                    Duration livenessInterval, Duration askTimeout, Clock clock) {
        super(PersistenceId.ofUniqueId("VmFleet"), JournalFailures.restartWithBackoff());
        this.ctx = ctx;
        this.images = images;
        this.runtime = runtime;
        this.addresses = addresses;
        this.names = names;
        this.defaults = defaults;
        this.vmChildren = children;
        this.livenessInterval = livenessInterval;
        this.askTimeout = askTimeout;
        this.clock = clock;
    }

    /** Snapshots keep recovery short however many VMs or images came and went. */
    @Override
    public RetentionCriteria retentionCriteria() {
        // only recovery reads this journal: events older than the kept snapshots can go (JournalCompactor purges them)
        return RetentionCriteria.snapshotEvery(100, 2).withDeleteEventsOnSnapshot();
    }

    @Override
    public State emptyState() {
        return new State(Map.of());
    }

    @Override
    public SignalHandler<State> signalHandler() {
        return newSignalHandlerBuilder()
                .onSignal(RecoveryCompleted.instance(), state -> state.vms().forEach((id, e) -> {
                    names.registered(id, e.name(), e.address());
                    spawn(id, false);
                }))
                .build();
    }

    @Override
    public CommandHandlerWithReply<Command, Event, State> commandHandler() {
        return newCommandHandlerWithReplyBuilder()
                .forAnyState()
                .onCommand(Create.class, this::onCreate)
                .onCommand(ImageChecked.class, this::onImageChecked)
                .onCommand(Resolve.class, this::onResolve)
                .onCommand(Get.class, this::onGet)
                .onCommand(ListRegistered.class, (s, c) -> Effect().reply(c.replyTo(), Set.copyOf(s.vms().keySet())))
                .onCommand(ListVms.class, this::onList)
                .onCommand(VmChanged.class, this::onVmChanged)
                .onCommand(VmGone.class, this::onVmGone)
                .onCommand(NeverCreated.class, this::onNeverCreated)
                .build();
    }

    /** By id or name; an id or name never registered is NOT_FOUND at once, without asking any VM. */
    private ReplyEffect<Event, State> onResolve(State s, Resolve c) {
        String id = idOf(s, c.ref());
        ActorRef<VmCommand> child = id == null ? null : children.get(id);
        return Effect().reply(c.replyTo(), child != null ? StatusReply.success(child)
                : StatusReply.error(notFound(c.ref())));
    }

    private ReplyEffect<Event, State> onGet(State s, Get c) {
        String id = idOf(s, c.ref());
        VmView v = id == null ? null : views.get(id);
        return Effect().reply(c.replyTo(), v != null ? StatusReply.success(v) : StatusReply.error(notFound(c.ref())));
    }

    private ReplyEffect<Event, State> onList(State s, ListVms c) {
        List<VmView> all = new ArrayList<>(views.values());
        all.sort(Comparator.comparing(VmView::createdAt).thenComparing(VmView::name));
        return Effect().reply(c.replyTo(), all);
    }

    private ReplyEffect<Event, State> onVmChanged(State s, VmChanged c) {
        if (s.vms().containsKey(c.view().id())) {
            views.put(c.view().id(), c.view());
            creating.remove(c.view().id());
        }
        return Effect().noReply();
    }

    private ReplyEffect<Event, State> onNeverCreated(State s, NeverCreated c) {
        Entry entry = s.vms().get(c.id());
        views.remove(c.id());
        ActorRef<VmCommand> child = children.remove(c.id());
        ActorRef<StatusReply<VmView>> creator = creating.remove(c.id());
        if (entry == null) {
            return Effect().noReply();
        }
        ctx.getLog().warn("VM {} ({}) was registered but never created; its name and address {} are free again",
                entry.name(), c.id(), entry.address());
        return Effect().persist(new VmRemoved(c.id(), clock.instant()))
                .thenRun(st -> {
                    names.removed(c.id(), entry.name());
                    if (child != null) {
                        ctx.stop(child);
                    }
                    if (creator != null) {
                        creator.tell(StatusReply.error(new Rejected(Rejection.Reason.OPERATION_FAILED,
                                "VM " + entry.name() + " could not be created: its creation was not journaled")));
                    }
                })
                .thenNoReply();
    }

    private ReplyEffect<Event, State> onVmGone(State s, VmGone c) {
        views.remove(c.id());
        creating.remove(c.id());
        ActorRef<VmCommand> child = children.remove(c.id());
        if (!s.vms().containsKey(c.id())) {
            return Effect().noReply();
        }
        return Effect().persist(new VmRemoved(c.id(), clock.instant()))
                .thenRun(st -> {
                    names.removed(c.id(), c.name());
                    if (child != null) {
                        ctx.stop(child);
                    }
                })
                .thenNoReply();
    }

    @Override
    public EventHandler<State, Event> eventHandler() {
        var builder = newEventHandlerBuilder();
        builder.forAnyState()
                .onEvent(VmRegistered.class, (s, e) -> {
                    Map<String, Entry> next = new HashMap<>(s.vms());
                    next.put(e.id(), new Entry(e.name(), e.address()));
                    return new State(Map.copyOf(next));
                })
                .onEvent(VmRemoved.class, (s, e) -> {
                    Map<String, Entry> next = new HashMap<>(s.vms());
                    next.remove(e.id());
                    return new State(Map.copyOf(next));
                });
        return builder.build();
    }

    private ReplyEffect<Event, State> onCreate(State s, Create c) {
        CreateVmRequest r = c.request();
        try {
            validate(r);
        } catch (Rejected e) {
            return Effect().reply(c.replyTo(), StatusReply.error(e));
        }
        if (nameTaken(s, r.name())) {
            return Effect().reply(c.replyTo(), StatusReply.error(nameConflict(r.name())));
        }
        pendingNames.add(r.name());
        String image = r.image() != null ? r.image() : defaults.image();
        ctx.askWithStatus(Image.class, images, askTimeout, ref -> new ImageRegistry.GetImage(image, ref),
                (img, err) -> new ImageChecked(c, img, rejection(err)));
        return Effect().noReply();
    }

    private ReplyEffect<Event, State> onImageChecked(State s, ImageChecked checked) {
        Create c = checked.create();
        CreateVmRequest r = c.request();
        pendingNames.remove(r.name());
        if (checked.rejection() != null) {
            return Effect().reply(c.replyTo(), StatusReply.error(checked.rejection()));
        }
        if (nameTaken(s, r.name())) {
            return Effect().reply(c.replyTo(), StatusReply.error(nameConflict(r.name())));
        }
        String address;
        try {
            Set<String> taken = s.vms().values().stream().map(Entry::address)
                    .filter(a -> a != null).collect(Collectors.toSet());
            address = addresses.next(taken).orElse(null);
        } catch (Rejected e) {
            return Effect().reply(c.replyTo(), StatusReply.error(e));
        }
        int imageMib = mibCeil(checked.image().rootfsBytes());
        if (r.diskMib() != null && r.diskMib() < imageMib) {
            return Effect().reply(c.replyTo(), StatusReply.error(invalid("disk_mib must be at least " + imageMib
                    + ", the size of image " + checked.image().name())));
        }
        String id = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Image image = checked.image();
        VmSpec spec = new VmSpec(id, r.name(), image.name(),
                r.vcpus() != null ? r.vcpus() : defaults.vcpus(),
                r.memoryMib() != null ? r.memoryMib() : defaults.memoryMib(),
                r.diskMib() != null ? r.diskMib() : Math.max(defaults.diskMib(), mibCeil(image.rootfsBytes())),
                address,
                r.labels() == null ? Map.of() : Map.copyOf(r.labels()), r.egress(),
                VmExpiry.forCreate(r, defaults.expiry()));
        boolean start = r.start() == null || r.start();
        return Effect().persist(new VmRegistered(id, spec.name(), address, clock.instant()))
                .thenRun(st -> {
                    names.registered(id, spec.name(), address);
                    // until the VM reports in, get and list show it as created rather than answering 404
                    Instant now = clock.instant();
                    views.put(id, new VmState(spec, VmPhase.CREATED, null, null, now, now).view());
                    creating.put(id, c.replyTo());
                    spawn(id, true).tell(new VmCommand.Create(spec, start, c.replyTo()));
                    if (c.accepted() != null) {
                        c.accepted().tell(new Accepted(id, spec.name()));
                    }
                })
                // the VM answers the create once it is created (and started)
                .thenNoReply();
    }

    /**
     * @param forCreate a Create follows the spawn. Only the actor's first incarnation gets it: one restarted by its
     *                  supervisor (its Created write failed) recovers like any other VM, and tells if it is empty
     */
    private ActorRef<VmCommand> spawn(String id, boolean forCreate) {
        int[] incarnation = {0};
        Behavior<VmCommand> vm = Behaviors.supervise(Behaviors.<VmCommand>setup(c -> Vm.create(id, runtime,
                        ctx.getSelf(), vmChildren, livenessInterval, clock, forCreate && incarnation[0]++ == 0)))
                .onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
        ActorRef<VmCommand> ref = ctx.spawn(vm, "vm-" + id);
        children.put(id, ref);
        return ref;
    }

    private void validate(CreateVmRequest r) {
        VmNames.requireValid(r.name());
        VmExpiry.forCreate(r, defaults.expiry());
        if (r.vcpus() != null && (r.vcpus() < 1 || r.vcpus() > defaults.maxVcpus())) {
            throw invalid("vcpus must be between 1 and " + defaults.maxVcpus());
        }
        if (r.memoryMib() != null
                && (r.memoryMib() < VmDefaults.MIN_MEMORY_MIB || r.memoryMib() > defaults.maxMemoryMib())) {
            throw invalid("memory_mib must be between " + VmDefaults.MIN_MEMORY_MIB + " and " + defaults.maxMemoryMib());
        }
        if (r.diskMib() != null && (r.diskMib() < VmDefaults.MIN_DISK_MIB || r.diskMib() > defaults.maxDiskMib())) {
            throw invalid("disk_mib must be between " + VmDefaults.MIN_DISK_MIB + " and " + defaults.maxDiskMib());
        }
    }

    private boolean nameTaken(State s, String name) {
        return pendingNames.contains(name) || s.vms().values().stream().anyMatch(e -> e.name().equals(name));
    }

    private static String idOf(State s, String ref) {
        if (s.vms().containsKey(ref)) {
            return ref;
        }
        return s.vms().entrySet().stream().filter(e -> e.getValue().name().equals(ref))
                .map(Map.Entry::getKey).findFirst().orElse(null);
    }

    private static int mibCeil(long bytes) {
        return (int) ((bytes + (1 << 20) - 1) >> 20);
    }

    private static Rejected rejection(Throwable err) {
        if (err == null) {
            return null;
        }
        if (err instanceof Rejected r) {
            return r;
        }
        return new Rejected(Rejection.Reason.UNAVAILABLE, "image registry did not answer: " + err.getMessage());
    }

    private static Rejected invalid(String message) {
        return new Rejected(Rejection.Reason.INVALID_REQUEST, message);
    }

    private static Rejected nameConflict(String name) {
        return new Rejected(Rejection.Reason.CONFLICT, "a VM named " + name + " already exists");
    }

    private static Rejected notFound(String ref) {
        return new Rejected(Rejection.Reason.NOT_FOUND, "no VM with id or name " + ref);
    }
}
