package banger.forward;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;

/**
 * One listening host socket whose connections are relayed, byte for byte, to a guest's port (pekko-stream TCP,
 * no thread per connection). At most {@code maxConnections} at once; past that a new connection is closed at
 * once. {@link #close()} stops listening and aborts every relayed connection.
 */
final class TcpRelay {

    private final Tcp.ServerBinding binding;
    private final SharedKillSwitch connections;

    private TcpRelay(Tcp.ServerBinding binding, SharedKillSwitch connections) {
        this.binding = binding;
        this.connections = connections;
    }

    /** Listens on hostAddress:hostPort (0: any free port); fails with the bind error (e.g. port in use). */
    static CompletionStage<TcpRelay> open(ActorSystem<?> system, String hostAddress, int hostPort,
                                          InetSocketAddress guest, ForwardSettings settings) {
        Tcp tcp = Tcp.get(system);
        SharedKillSwitch kill = KillSwitches.shared("forward-" + hostAddress + ":" + hostPort);
        AtomicInteger active = new AtomicInteger();
        // half-close both ways: a client that shuts its sending side (nc, HTTP/1.0) still reads the answer
        Source<Tcp.IncomingConnection, CompletionStage<Tcp.ServerBinding>> incoming =
                tcp.bind(hostAddress, hostPort, 100, List.of(), true, Optional.empty());
        return incoming.to(Sink.foreach(connection -> {
            if (active.incrementAndGet() > settings.maxConnections()) {
                active.decrementAndGet();
                connection.handleWith(Flow.fromSinkAndSource(Sink.<ByteString>cancelled(), Source.<ByteString>empty()),
                        system);
                return;
            }
            Flow<ByteString, ByteString, CompletionStage<Done>> relay = Flow.<ByteString>create()
                    .via(kill.flow())
                    .via(tcp.outgoingConnection(guest, Optional.empty(), List.of(), true,
                            Optional.of(settings.connectTimeout()), Optional.empty()))
                    .watchTermination((outgoing, done) -> done);
            connection.handleWith(relay, system).whenComplete((done, failure) -> active.decrementAndGet());
        })).run(system).thenApply(binding -> new TcpRelay(binding, kill));
    }

    int port() {
        return binding.localAddress().getPort();
    }

    void close() {
        binding.unbind();
        connections.abort(new IllegalStateException("port forward removed"));
    }
}
