package banger.network;

import banger.host.CommandResult;
import banger.host.HostCommands;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * Keeps a number of idle TAP devices enslaved to the bridge so a starting VM gets one without waiting for
 * `ip tuntap`. Singleton. Every `ip` call runs on the blocking dispatcher and comes back as a message; the
 * actor alone owns the idle / lent / in-flight sets.
 */
public final class TapPool {

    /** Every TAP banger makes starts with this, so orphans can be found after a crash. */
    public static final String NAME_PREFIX = "bgt";
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    static final Duration REFILL_RETRY = Duration.ofSeconds(5);
    /** For the blocking helpers, which must not touch the actor's context. */
    private static final Logger BLOCKING_LOG = LoggerFactory.getLogger(TapPool.class);

    record CreateFinished(String tap, Optional<String> error) implements TapPoolCommand {
    }

    record ResetFinished(String tap, boolean usable) implements TapPoolCommand {
    }

    record DeleteFinished(String tap) implements TapPoolCommand {
    }

    record OrphansListed(Set<String> found, Set<String> owned, ActorRef<StatusReply<Set<String>>> replyTo,
                         Optional<String> error) implements TapPoolCommand {
    }

    record OrphansRemoved(Set<String> attempted, Set<String> removed, ActorRef<StatusReply<Set<String>>> replyTo)
            implements TapPoolCommand {
    }

    record RetryRefill() implements TapPoolCommand {
    }

    private final ActorContext<TapPoolCommand> context;
    private final TimerScheduler<TapPoolCommand> timers;
    private final Executor blocking;
    private final HostCommands hosts;
    private final String bridge;
    private final Optional<TapOwner> owner;
    private final int target;

    private final Set<String> idle = new LinkedHashSet<>();
    private final Map<String, String> lent = new HashMap<>();
    /** TAP being created, to the lend waiting for it (empty when it is for the pool). */
    private final Map<String, Optional<TapPoolCommand.Lend>> creating = new HashMap<>();
    private final Set<String> resetting = new HashSet<>();
    private final Set<String> deleting = new HashSet<>();
    private boolean refillPaused;

    /**
     * @param hosts      runs `ip`
     * @param bridge     the bridge every TAP is enslaved to (config banger.network.bridge)
     * @param targetSize idle TAPs to keep ready (config banger.network.tap-pool-size); 0 creates on demand only
     */
    public static Behavior<TapPoolCommand> create(HostCommands hosts, String bridge, int targetSize) {
        return create(hosts, bridge, targetSize, Optional.empty());
    }

    /** As {@link #create(HostCommands, String, int)}, every TAP created for {@code owner} when given. */
    public static Behavior<TapPoolCommand> create(HostCommands hosts, String bridge, int targetSize,
                                                  Optional<TapOwner> owner) {
        InterfaceNames.requireValid(bridge);
        if (targetSize < 0) {
            throw new IllegalArgumentException("tap-pool-size must be >= 0, got " + targetSize);
        }
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            Executor blocking = context.getSystem().dispatchers()
                    .lookup(DispatcherSelector.fromConfig("banger.blocking-dispatcher"));
            return new TapPool(context, timers, blocking, hosts, bridge, targetSize, owner).start();
        }));
    }

    private TapPool(ActorContext<TapPoolCommand> context, TimerScheduler<TapPoolCommand> timers, Executor blocking,
                    HostCommands hosts, String bridge, int target, Optional<TapOwner> owner) {
        this.owner = owner;
        this.context = context;
        this.timers = timers;
        this.blocking = blocking;
        this.hosts = hosts;
        this.bridge = bridge;
        this.target = target;
    }

    private Behavior<TapPoolCommand> start() {
        refill();
        return Behaviors.receive(TapPoolCommand.class)
                .onMessage(TapPoolCommand.Lend.class, this::onLend)
                .onMessage(TapPoolCommand.Return.class, this::onReturn)
                .onMessage(TapPoolCommand.Adopt.class, this::onAdopt)
                .onMessage(TapPoolCommand.ReleaseVm.class, this::onReleaseVm)
                .onMessage(TapPoolCommand.RemoveOrphans.class, this::onRemoveOrphans)
                .onMessage(TapPoolCommand.GetStatus.class, this::onGetStatus)
                .onMessage(CreateFinished.class, this::onCreateFinished)
                .onMessage(ResetFinished.class, this::onResetFinished)
                .onMessage(DeleteFinished.class, this::onDeleteFinished)
                .onMessage(OrphansListed.class, this::onOrphansListed)
                .onMessage(OrphansRemoved.class, this::onOrphansRemoved)
                .onMessage(RetryRefill.class, this::onRetryRefill)
                .build();
    }

    private Behavior<TapPoolCommand> onLend(TapPoolCommand.Lend lend) {
        if (idle.isEmpty()) {
            startCreate(Optional.of(lend));
        } else {
            String tap = idle.iterator().next();
            idle.remove(tap);
            lent.put(tap, lend.vmId());
            lend.replyTo().tell(StatusReply.success(tap));
        }
        refill();
        return Behaviors.same();
    }

    private Behavior<TapPoolCommand> onReturn(TapPoolCommand.Return ret) {
        String tap = ret.tap();
        if (!isOurs(tap)) {
            context.getLog().warn("ignoring return of '{}': not a {}* TAP", tap, NAME_PREFIX);
            return Behaviors.same();
        }
        if (!ret.vmId().equals(lent.get(tap))) {
            // a duplicate or late return: the TAP is idle again, being recycled, or now lent to another VM
            context.getLog().debug("ignoring return of {} by {}: lent to {}", tap, ret.vmId(), lent.get(tap));
            return Behaviors.same();
        }
        lent.remove(tap);
        resetting.add(tap);
        runBlocking(() -> reset(tap), (usable, failure) -> new ResetFinished(tap, failure == null && usable));
        return Behaviors.same();
    }

    private Behavior<TapPoolCommand> onReleaseVm(TapPoolCommand.ReleaseVm release) {
        creating.replaceAll((tap, lend) -> lend.filter(l -> !l.vmId().equals(release.vmId())));
        List<String> held = lent.entrySet().stream().filter(e -> e.getValue().equals(release.vmId()))
                .map(Map.Entry::getKey).toList();
        held.forEach(tap -> onReturn(new TapPoolCommand.Return(release.vmId(), tap)));
        return Behaviors.same();
    }

    private Behavior<TapPoolCommand> onAdopt(TapPoolCommand.Adopt adopt) {
        if (!isOurs(adopt.tap())) {
            context.getLog().warn("ignoring adoption of '{}' by {}: not a {}* TAP", adopt.tap(), adopt.vmId(), NAME_PREFIX);
            return Behaviors.same();
        }
        idle.remove(adopt.tap());
        lent.put(adopt.tap(), adopt.vmId());
        return Behaviors.same();
    }

    private Behavior<TapPoolCommand> onRemoveOrphans(TapPoolCommand.RemoveOrphans msg) {
        Set<String> owned = Set.copyOf(msg.owned());
        runBlocking(this::listOurTaps, (found, failure) -> failure == null
                ? new OrphansListed(found, owned, msg.replyTo(), Optional.empty())
                : new OrphansListed(Set.of(), owned, msg.replyTo(), Optional.of(describe(failure))));
        return Behaviors.same();
    }

    private Behavior<TapPoolCommand> onOrphansListed(OrphansListed listed) {
        if (listed.error().isPresent()) {
            listed.replyTo().tell(StatusReply.error("cannot list TAP devices: " + listed.error().get()));
            return Behaviors.same();
        }
        // decided here, on the actor, so a TAP created or returned while `ip` listed is never taken for an orphan
        Set<String> orphans = new TreeSet<>(listed.found());
        orphans.removeAll(listed.owned());
        orphans.removeAll(idle);
        orphans.removeAll(lent.keySet());
        orphans.removeAll(creating.keySet());
        orphans.removeAll(resetting);
        orphans.removeAll(deleting);
        deleting.addAll(orphans);
        runBlocking(() -> deleteAll(orphans), (removed, failure) -> new OrphansRemoved(orphans, failure == null ? removed : Set.of(), listed.replyTo()));
        return Behaviors.same();
    }

    private Behavior<TapPoolCommand> onOrphansRemoved(OrphansRemoved removed) {
        deleting.removeAll(removed.attempted());
        if (!removed.removed().isEmpty()) {
            context.getLog().info("removed orphan TAP devices {}", removed.removed());
        }
        removed.replyTo().tell(StatusReply.success(removed.removed()));
        return Behaviors.same();
    }

    private Behavior<TapPoolCommand> onGetStatus(TapPoolCommand.GetStatus get) {
        get.replyTo().tell(new TapPoolStatus(idle.size(), Map.copyOf(lent), creating.size(), target));
        return Behaviors.same();
    }

    private Behavior<TapPoolCommand> onCreateFinished(CreateFinished done) {
        Optional<TapPoolCommand.Lend> waiting = creating.remove(done.tap());
        if (done.error().isPresent()) {
            String error = "cannot create TAP device " + done.tap() + ": " + done.error().get();
            if (waiting != null && waiting.isPresent()) {
                waiting.get().replyTo().tell(StatusReply.error(error));
            } else {
                context.getLog().warn("{}; retrying in {}", error, REFILL_RETRY);
                pauseRefill();
            }
        } else if (waiting != null && waiting.isPresent()) {
            lent.put(done.tap(), waiting.get().vmId());
            waiting.get().replyTo().tell(StatusReply.success(done.tap()));
        } else {
            idle.add(done.tap());
        }
        refill();
        return Behaviors.same();
    }

    private Behavior<TapPoolCommand> onResetFinished(ResetFinished done) {
        resetting.remove(done.tap());
        if (!done.usable()) {
            context.getLog().info("returned TAP {} was broken and is gone; the pool makes a new one", done.tap());
        } else if (idle.size() >= target) {
            startDelete(done.tap());
        } else {
            idle.add(done.tap());
        }
        refill();
        return Behaviors.same();
    }

    private Behavior<TapPoolCommand> onDeleteFinished(DeleteFinished done) {
        deleting.remove(done.tap());
        return Behaviors.same();
    }

    private Behavior<TapPoolCommand> onRetryRefill(RetryRefill retry) {
        refillPaused = false;
        refill();
        return Behaviors.same();
    }

    private void refill() {
        if (refillPaused) {
            return;
        }
        long forPool = creating.values().stream().filter(Optional::isEmpty).count();
        for (long missing = target - idle.size() - forPool; missing > 0; missing--) {
            startCreate(Optional.empty());
        }
    }

    private void pauseRefill() {
        refillPaused = true;
        timers.startSingleTimer(new RetryRefill(), REFILL_RETRY);
    }

    private void startCreate(Optional<TapPoolCommand.Lend> forLend) {
        String tap = newName();
        creating.put(tap, forLend);
        runBlocking(() -> {
            createTap(tap);
            return tap;
        }, (ignored, failure) -> new CreateFinished(tap, Optional.ofNullable(failure).map(TapPool::describe)));
    }

    private void startDelete(String tap) {
        deleting.add(tap);
        runBlocking(() -> deleteAll(Set.of(tap)), (ignored, failure) -> new DeleteFinished(tap));
    }

    private <T> void runBlocking(Supplier<T> work, BiFunction<T, Throwable, TapPoolCommand> toMessage) {
        context.pipeToSelf(CompletableFuture.supplyAsync(work, blocking), toMessage::apply);
    }

    private String newName() {
        String name;
        do {
            name = NAME_PREFIX + String.format("%08x", ThreadLocalRandom.current().nextInt());
        } while (idle.contains(name) || lent.containsKey(name) || creating.containsKey(name)
                || resetting.contains(name) || deleting.contains(name));
        return name;
    }

    private static boolean isOurs(String tap) {
        return tap != null && tap.startsWith(NAME_PREFIX) && tap.matches("[A-Za-z0-9_.-]{1,15}");
    }

    // ---- blocking work: runs on the blocking dispatcher, touches no actor state ----

    private void createTap(String tap) {
        List<String> add = new ArrayList<>(List.of("ip", "tuntap", "add", "dev", tap, "mode", "tap"));
        owner.ifPresent(o -> add.addAll(List.of("user", Integer.toString(o.uid()), "group", Integer.toString(o.gid()))));
        hosts.check(add, COMMAND_TIMEOUT);
        CommandResult attach = hosts.run(List.of("ip", "link", "set", "dev", tap, "master", bridge, "up"), COMMAND_TIMEOUT);
        if (!attach.ok()) {
            hosts.run(List.of("ip", "link", "del", "dev", tap), COMMAND_TIMEOUT);
            attach.orThrow();
        }
    }

    /**
     * True when the TAP can be lent again. One that still has carrier is held open by a process (a VMM that
     * did not die), so it is deleted rather than handed to another VM.
     */
    private boolean reset(String tap) {
        CommandResult link = hosts.run(List.of("ip", "-o", "link", "show", "dev", tap), COMMAND_TIMEOUT);
        if (!link.ok()) {
            return false;
        }
        String flags = flags(link.stdout());
        boolean held = flags.contains("LOWER_UP") && !flags.contains("NO-CARRIER");
        if (!held) {
            boolean attached = link.stdout().contains(" master " + bridge + " ") && List.of(flags.split(",")).contains("UP");
            if (attached || hosts.run(List.of("ip", "link", "set", "dev", tap, "master", bridge, "up"), COMMAND_TIMEOUT).ok()) {
                return true;
            }
        }
        hosts.run(List.of("ip", "link", "del", "dev", tap), COMMAND_TIMEOUT);
        return false;
    }

    private Set<String> listOurTaps() {
        CommandResult result = hosts.check(List.of("ip", "-o", "link", "show", "type", "tun"), COMMAND_TIMEOUT);
        Set<String> taps = new TreeSet<>();
        for (String line : result.stdout().split("\n")) {
            String[] parts = line.split(":", 3);
            if (parts.length == 3) {
                String name = parts[1].strip();
                int at = name.indexOf('@');
                name = at >= 0 ? name.substring(0, at) : name;
                if (isOurs(name)) {
                    taps.add(name);
                }
            }
        }
        return taps;
    }

    private Set<String> deleteAll(Set<String> taps) {
        Set<String> deleted = new TreeSet<>();
        List<String> failures = new ArrayList<>();
        for (String tap : taps) {
            CommandResult result = hosts.run(List.of("ip", "link", "del", "dev", tap), COMMAND_TIMEOUT);
            if (result.ok()) {
                deleted.add(tap);
            } else {
                failures.add(tap + ": " + result.stderr().strip());
            }
        }
        if (!failures.isEmpty()) {
            BLOCKING_LOG.warn("could not delete TAP devices: {}", failures);
        }
        return deleted;
    }

    private static String flags(String link) {
        int open = link.indexOf('<');
        int close = link.indexOf('>', open + 1);
        return open >= 0 && close > open ? link.substring(open + 1, close) : "";
    }

    private static String describe(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }
}
