package banger.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.NonBlocking;
import org.jline.utils.NonBlockingInputStream;

/**
 * Attaches this terminal to a session over the attach WebSocket: raw mode, keystrokes to the session's stdin,
 * its output to the screen, window size passed on. Ctrl-] detaches and leaves the session running.
 */
final class SessionAttacher {

    /** Ctrl-]: detaches, as in telnet. */
    static final int DETACH_KEY = 0x1d;

    enum Outcome { ENDED, DETACHED }

    private SessionAttacher() {
    }

    /** Whether this process runs on a terminal (then attach is interactive). */
    static boolean interactive() {
        return System.console() != null;
    }

    /**
     * @param tty the session has a terminal: this one goes raw and passes its size on; otherwise it stays in line
     *            mode, so what is typed is echoed here and sent a line at a time
     */
    static Outcome attach(SessionApi sessions, String vm, String session, Long offset, boolean tty) throws IOException {
        try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
            OutputStream screen = terminal.output();
            CompletableFuture<Void> ended = new CompletableFuture<>();
            WebSocket socket = sessions.attach(vm, session, offset, new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                    try {
                        byte[] bytes = new byte[data.remaining()];
                        data.get(bytes);
                        screen.write(bytes);
                        screen.flush();
                    } catch (IOException e) {
                        ended.completeExceptionally(e);
                    }
                    ws.request(1);
                    return null;
                }

                @Override
                public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
                    ended.complete(null);
                    return null;
                }

                @Override
                public void onError(WebSocket ws, Throwable error) {
                    ended.complete(null);
                }
            });
            Attributes saved = tty ? terminal.enterRawMode() : terminal.getAttributes();
            try {
                if (tty) {
                    sendSize(socket, terminal.getSize());
                    terminal.handle(Terminal.Signal.WINCH, signal -> sendSize(socket, terminal.getSize()));
                }
                NonBlockingInputStream keys = terminal.input() instanceof NonBlockingInputStream n ? n
                        : NonBlocking.nonBlocking("attach", terminal.input());
                byte[] buffer = new byte[1024];
                while (!ended.isDone()) {
                    // a timed read, so a session that ends is noticed without waiting for a key press
                    int first = keys.read(100);
                    if (first == NonBlockingInputStream.READ_EXPIRED) {
                        continue;
                    }
                    if (first < 0) {
                        break;
                    }
                    buffer[0] = (byte) first;
                    int n = 1 + Math.max(0, keys.readBuffered(buffer, 1, buffer.length - 1, 1));
                    for (int i = 0; i < n; i++) {
                        if ((buffer[i] & 0xff) == DETACH_KEY) {
                            if (i > 0) {
                                socket.sendBinary(ByteBuffer.wrap(buffer, 0, i), true).join();
                            }
                            socket.sendClose(WebSocket.NORMAL_CLOSURE, "detach");
                            return Outcome.DETACHED;
                        }
                    }
                    socket.sendBinary(ByteBuffer.wrap(buffer.clone(), 0, n), true).join();
                }
                return Outcome.ENDED;
            } finally {
                terminal.setAttributes(saved);
            }
        }
    }

    private static void sendSize(WebSocket socket, Size size) {
        if (size.getColumns() > 0 && size.getRows() > 0) {
            socket.sendText("{\"resize\":{\"cols\":" + size.getColumns() + ",\"rows\":" + size.getRows() + "}}", true);
        }
    }
}
