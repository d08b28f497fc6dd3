package banger.api;

import banger.wire.CreateVmRequest;
import banger.vm.VmControl;
import banger.wire.VmView;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * Names a VM created without one: two words, like {@code brave-otter}, not used by any VM now. (Two creates racing
 * for the same generated name: the fleet refuses the second with 409, as for any taken name.)
 */
final class GeneratedVmNames {

    private static final List<String> ADJECTIVES = List.of("able", "amber", "brave", "bright", "calm", "clever",
            "cosy", "crisp", "curious", "daring", "eager", "fair", "fancy", "fast", "fond", "gentle", "glad", "golden",
            "happy", "hardy", "jolly", "keen", "kind", "lively", "lucky", "merry", "mighty", "modest", "neat", "nimble",
            "noble", "plucky", "polite", "proud", "quick", "quiet", "rapid", "ready", "rosy", "shiny", "silent",
            "smart", "snowy", "steady", "sunny", "swift", "tidy", "vivid", "warm", "witty", "zesty");
    private static final List<String> ANIMALS = List.of("badger", "bear", "beaver", "bison", "camel", "cat",
            "crane", "crow", "deer", "dingo", "dolphin", "eagle", "falcon", "ferret", "finch", "fox", "gecko", "goat",
            "hare", "hawk", "heron", "ibis", "jackal", "koala", "lemur", "lion", "llama", "lynx", "marten", "mole",
            "moose", "newt", "okapi", "otter", "owl", "panda", "puffin", "quail", "raven", "robin", "seal", "shrew",
            "sloth", "stoat", "swan", "tapir", "tiger", "toad", "walrus", "wombat", "yak", "zebra");
    private static final int ATTEMPTS = 64;

    private final VmControl control;

    GeneratedVmNames(VmControl control) {
        this.control = control;
    }

    /** The request as it is when it has a name; otherwise with a generated one. */
    CompletionStage<CreateVmRequest> named(CreateVmRequest r) {
        if (r.name() != null) {
            return CompletableFuture.completedFuture(r);
        }
        return control.list().thenApply(vms -> {
            Set<String> taken = vms.stream().map(VmView::name).collect(Collectors.toSet());
            return new CreateVmRequest(pick(taken), r.image(), r.vcpus(), r.memoryMib(), r.diskMib(), r.start(),
                    r.labels(), r.egress(), r.ttlS(), r.idleTimeoutS(), r.onExpiry());
        });
    }

    static String pick(Set<String> taken) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < ATTEMPTS; i++) {
            String name = ADJECTIVES.get(random.nextInt(ADJECTIVES.size())) + "-"
                    + ANIMALS.get(random.nextInt(ANIMALS.size()));
            if (!taken.contains(name)) {
                return name;
            }
        }
        // thousands of VMs use the two-word names: a number keeps the next one unique
        String base = ADJECTIVES.get(random.nextInt(ADJECTIVES.size())) + "-" + ANIMALS.get(random.nextInt(ANIMALS.size()));
        for (int n = 2; ; n++) {
            if (!taken.contains(base + "-" + n)) {
                return base + "-" + n;
            }
        }
    }
}
