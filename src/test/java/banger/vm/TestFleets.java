package banger.vm;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.image.Image;
import banger.image.ImageRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/** A real image registry (holding "tiny") and fleet over a given runtime, for tests outside banger.vm. */
public final class TestFleets {

    public record Fleet(ActorRef<ImageRegistry.Command> images, ActorRef<VmFleet.Command> fleet) {
    }

    private TestFleets() {
    }

    public static Fleet start(ActorTestKit kit, VmRuntime runtime) {
        ActorRef<ImageRegistry.Command> images = kit.spawn(ImageRegistry.create((preset, name) -> {
            throw new Rejected(Rejection.Reason.INVALID_REQUEST, "no builds in this test");
        }));
        TestProbe<StatusReply<Image>> reg = kit.createTestProbe();
        images.tell(new ImageRegistry.Register(new Image("tiny", "tiny", "/k", "/i", null, "/r", 64L << 20,
                Instant.now()), reg.ref()));
        reg.receiveMessage(Duration.ofSeconds(10));
        int[] next = {2};
        GuestAddresses addresses = taken -> Optional.of("10.9.0." + next[0]++);
        ActorRef<VmFleet.Command> fleet = kit.spawn(VmFleet.create(images, runtime, addresses, VmNameListener.NONE,
                new VmDefaults("tiny", 1, 256, 512, 8, 4096, 8192), Duration.ofSeconds(30), Duration.ofSeconds(3),
                Clock.systemUTC()));
        return new Fleet(images, fleet);
    }
}
