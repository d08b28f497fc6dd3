package banger.session;

import banger.guest.GuestCommand;
import banger.core.Rejected;
import banger.core.Rejection;
import banger.vm.VmControl;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamConverters;
import org.apache.pekko.util.ByteString;

/**
 * {@link SessionControl} as asks to the VM's {@link VmSessions} (through {@link SessionsSupervisor}); output and
 * attach streams talk to the guest directly, their blocking reads and writes on the sessions dispatcher.
 */
public final class ActorSessionControl implements SessionControl {

    private static final int CHUNK = 16 * 1024;

    private final ActorSystem<?> system;
    private final VmControl vms;
    private final ActorRef<SessionsSupervisor.Command> sessions;
    private final GuestSessions guest;
    private final Executor io;
    private final Duration askTimeout;

    public ActorSessionControl(ActorSystem<?> system, VmControl vms, ActorRef<SessionsSupervisor.Command> sessions,
                               GuestSessions guest, Executor io, Duration askTimeout) {
        this.system = system;
        this.vms = vms;
        this.sessions = sessions;
        this.guest = guest;
        this.io = io;
        this.askTimeout = askTimeout;
    }

    @Override
    public CompletionStage<SessionView> start(String vm, StartSessionRequest request) {
        return ask(vm, r -> new VmSessions.Start(request, r));
    }

    @Override
    public CompletionStage<List<SessionView>> list(String vm) {
        return ask(vm, VmSessions.ListSessions::new);
    }

    @Override
    public CompletionStage<SessionView> get(String vm, String session) {
        return ask(vm, r -> new VmSessions.Get(session, r));
    }

    @Override
    public CompletionStage<SessionView> input(String vm, String session, byte[] bytes, boolean eof) {
        return ask(vm, r -> new VmSessions.Input(session, bytes, eof, r));
    }

    @Override
    public CompletionStage<SessionView> signal(String vm, String session, String signal) {
        return ask(vm, r -> new VmSessions.Signal(session, signal, r));
    }

    @Override
    public CompletionStage<SessionView> remove(String vm, String session) {
        return ask(vm, r -> new VmSessions.Remove(session, r));
    }

    @Override
    public CompletionStage<SessionOutput> output(String vm, String session, long offset, boolean follow) {
        return this.<VmSessions.Located>ask(vm, r -> new VmSessions.Locate(session, r))
                .thenCompose(at -> read(at, offset, follow));
    }

    @Override
    public CompletionStage<Attachment> attach(String vm, String session, Long offset) {
        return this.<VmSessions.Located>ask(vm, r -> new VmSessions.Locate(session, r)).thenCompose(at -> {
            if (!at.session().live()) {
                throw new Rejected(Rejection.Reason.CONFLICT, "session " + at.session().id()
                        + " has " + at.session().state() + "; read its output instead");
            }
            long from = offset != null ? offset : at.session().outputBytes();
            CompletionStage<GuestCommand> stdin = CompletableFuture.supplyAsync(
                    () -> guest.openInput(at.address(), at.session().id()), io);
            return read(at, from, true).thenCombine(stdin, (out, in) -> attachment(at, out, in));
        });
    }

    private Attachment attachment(VmSessions.Located at, SessionOutput out, GuestCommand stdin) {
        Sink<ByteString, NotUsed> input = StreamConverters.fromOutputStream(stdin::stdin, true)
                .withAttributes(ActorAttributes.dispatcher(SessionSettings.DISPATCHER))
                .mapMaterializedValue(done -> {
                    done.whenComplete((r, e) -> io.execute(stdin::close));
                    return NotUsed.getInstance();
                });
        return new Attachment() {
            @Override
            public SessionView session() {
                return at.session();
            }

            @Override
            public long offset() {
                return out.offset();
            }

            @Override
            public Source<ByteString, NotUsed> output() {
                return out.bytes();
            }

            @Override
            public Sink<ByteString, NotUsed> input() {
                return input;
            }

            @Override
            public void resize(int cols, int rows) {
                if (at.session().tty()) {
                    io.execute(() -> guest.resize(at.address(), at.session().id(), cols, rows));
                }
            }
        };
    }

    /** Opens the guest-side reader, reads its header line, and streams the rest. */
    private CompletionStage<SessionOutput> read(VmSessions.Located at, long offset, boolean follow) {
        String address = at.address();
        String id = at.session().id();
        return CompletableFuture.supplyAsync(() -> {
            GuestCommand reader = guest.openOutput(address, id, offset, follow);
            try {
                String header = headerLine(reader.stdout());
                if (header == null) {
                    reader.close();
                    throw new Rejected(Rejection.Reason.NOT_FOUND, "session " + id
                            + " has no output in the guest");
                }
                String[] parts = header.split(" ");
                long start = Long.parseLong(parts[0]);
                long pid = Long.parseLong(parts[1]);
                AtomicBoolean ended = new AtomicBoolean();
                InputStream body = new FilterInputStream(reader.stdout()) {
                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        int n = super.read(b, off, len);
                        if (n < 0) {
                            ended.set(true);
                        }
                        return n;
                    }
                };
                Source<ByteString, NotUsed> bytes = StreamConverters.fromInputStream(() -> body, CHUNK)
                        .withAttributes(ActorAttributes.dispatcher(SessionSettings.DISPATCHER))
                        .watchTermination((mat, done) -> {
                            done.whenComplete((d, e) -> io.execute(() -> {
                                reader.close();
                                if (follow && !ended.get()) {
                                    // the client left before the session ended: the guest's reader would poll on
                                    guest.stopReader(address, pid);
                                }
                            }));
                            return NotUsed.getInstance();
                        });
                return new SessionOutput(start, bytes);
            } catch (IOException | RuntimeException e) {
                reader.close();
                if (e instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException("reading session " + id + "'s output failed: " + e.getMessage(), e);
            }
        }, io);
    }

    /** The first line, read byte by byte so nothing after it is consumed; null if the stream ends first. */
    private static String headerLine(InputStream in) throws IOException {
        byte[] line = new byte[64];
        int n = 0;
        while (n < line.length) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            if (b == '\n') {
                return new String(line, 0, n, StandardCharsets.US_ASCII);
            }
            line[n++] = (byte) b;
        }
        throw new IllegalStateException("unexpected header from the guest's session reader");
    }

    private <T> CompletionStage<T> ask(String vm, Function<ActorRef<StatusReply<T>>, VmSessions.Command> command) {
        return vms.get(vm).thenCompose(view -> AskPattern.askWithStatus(sessions,
                r -> new SessionsSupervisor.Forward(view.id(), command.apply(r)), askTimeout, system.scheduler()));
    }
}
