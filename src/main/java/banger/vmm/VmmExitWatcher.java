package banger.vmm;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices a VMM's death the moment it happens instead of at the next liveness poll: it holds a connection to a
 * socket the VMM serves (a QMP monitor kept for this purpose) and reports when the VMM's end closes, which the
 * kernel does as the process exits. One thread with one selector watches every VMM of the daemon.
 */
public final class VmmExitWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VmmExitWatcher.class);
    private static final int READ_BUFFER = 4096;

    /** A registered watch; closing it stops watching without reporting anything. */
    public interface Watch extends AutoCloseable {
        @Override
        void close();
    }

    private record Pending(SocketChannel channel, Runnable onExit) {
    }

    private final Selector selector;
    private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private final ByteBuffer discard = ByteBuffer.allocateDirect(READ_BUFFER);

    public VmmExitWatcher() {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a selector for VMM exit watches", e);
        }
        thread = new Thread(this::loop, "vmm-exit-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Watches the VMM serving {@code socket}; {@code onExit} runs once, on the watcher's thread, when the VMM
     * closes it. Fails when the socket cannot be connected (the VMM is gone already or never served it): the
     * caller then relies on its poll.
     */
    public Watch watch(Path socket, Runnable onExit) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.configureBlocking(false);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        pending.add(new Pending(channel, onExit));
        selector.wakeup();
        return () -> {
            try {
                channel.close();
            } catch (IOException e) {
                log.debug("closing the exit watch on {}: {}", socket, e.toString());
            }
            selector.wakeup();
        };
    }

    private void loop() {
        try {
            while (selector.isOpen()) {
                selector.select();
                for (Pending p; (p = pending.poll()) != null; ) {
                    if (p.channel().isOpen()) {
                        p.channel().register(selector, SelectionKey.OP_READ, p.onExit());
                    }
                }
                for (var it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey key = it.next();
                    it.remove();
                    readOrReport(key);
                }
            }
        } catch (ClosedSelectorException e) {
            log.debug("VMM exit watcher closed");
        } catch (IOException e) {
            log.error("VMM exit watcher stopped; deaths are noticed by the liveness poll only", e);
        }
    }

    private void readOrReport(SelectionKey key) {
        SocketChannel channel = (SocketChannel) key.channel();
        if (!channel.isOpen()) {
            key.cancel();
            return;
        }
        int n;
        try {
            discard.clear();
            n = channel.read(discard);
        } catch (IOException e) {
            n = -1;
        }
        if (n >= 0) {
            return;
        }
        key.cancel();
        try {
            channel.close();
        } catch (IOException ignored) {
            // the peer is gone; nothing is left to release
        }
        try {
            ((Runnable) key.attachment()).run();
        } catch (RuntimeException e) {
            log.warn("VMM exit callback failed", e);
        }
    }

    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException e) {
            log.debug("closing the VMM exit watcher: {}", e.toString());
        }
    }
}
