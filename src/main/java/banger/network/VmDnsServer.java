package banger.network;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Resolves `NAME.DOMAIN` to a VM's address for guests (and the host), over UDP and TCP. Names outside the
 * domain go to the upstream servers when some are configured, else get REFUSED: it is not an open resolver.
 * Only sources inside the clients' subnet get answers (others get REFUSED); UDP replies are capped at
 * {@value #UDP_MAX_PAYLOAD} bytes (truncated with TC) so the server is no amplifier. UDP and TCP have their
 * own bounded pools (see {@link DnsLimits}): a full pool sheds load instead of queueing without end.
 * Not an actor: the fleet keeps it current with {@link #register} / {@link #unregister}, which are thread-safe.
 */
public final class VmDnsServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VmDnsServer.class);
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    /** Short, because a VM deleted and re-created under the same name may get another address. */
    static final long TTL_SECONDS = 5;
    private static final int UDP_DEFAULT_PAYLOAD = 512;
    /** The EDNS payload size the DNS flag day 2020 recommends: no IP fragmentation, little amplification. */
    static final int UDP_MAX_PAYLOAD = 1232;
    private static final Duration UPSTREAM_TIMEOUT = Duration.ofSeconds(3);

    private final InetAddress bindAddress;
    private final int requestedPort;
    private final Name domain;
    private final Optional<Resolver> upstream;
    private final Subnet clients;
    private final DnsLimits limits;
    private final Map<String, InetAddress> addresses = new ConcurrentHashMap<>();

    private DatagramSocket udp;
    private ServerSocket tcp;
    private ThreadPoolExecutor udpWorkers;
    private ThreadPoolExecutor tcpWorkers;
    private volatile boolean closed;

    /**
     * @param bindAddress the gateway address in production (config banger.network.subnet), loopback in tests
     * @param port        53 in production (config banger.network.dns-port); 0 picks a free port
     * @param domain      names resolve as NAME.DOMAIN (config banger.network.dns-domain)
     * @param upstreams   where other names are forwarded (config banger.network.dns-upstreams); empty refuses them
     * @param clients     the only sources answered (the VM subnet in production)
     * @param limits      pool sizes and the TCP connection deadline
     */
    public VmDnsServer(InetAddress bindAddress, int port, String domain, List<InetSocketAddress> upstreams,
                       Subnet clients, DnsLimits limits) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("DNS port must be 0..65535, got " + port);
        }
        this.bindAddress = bindAddress;
        this.requestedPort = port;
        try {
            this.domain = Name.fromString(domain, Name.root);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("invalid DNS domain '" + domain + "': " + e.getMessage());
        }
        this.upstream = upstreams.isEmpty() ? Optional.empty() : Optional.of(resolverFor(upstreams));
        this.clients = clients;
        this.limits = limits;
    }

    /** Binds UDP and TCP on the same port. Throws if the address is not on this host or the port is taken. */
    public synchronized void start() throws IOException {
        if (udp != null) {
            throw new IllegalStateException("DNS server already started");
        }
        udp = new DatagramSocket(new InetSocketAddress(bindAddress, requestedPort));
        try {
            tcp = new ServerSocket();
            tcp.setReuseAddress(true);
            tcp.bind(new InetSocketAddress(bindAddress, udp.getLocalPort()));
        } catch (IOException e) {
            udp.close();
            throw e;
        }
        udpWorkers = new ThreadPoolExecutor(limits.udpWorkers(), limits.udpWorkers(), 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(limits.udpQueue()), daemonThreads("banger-dns-udp-worker"));
        // no queue: a connection beyond the cap is refused at once rather than waiting for a thread
        tcpWorkers = new ThreadPoolExecutor(0, limits.tcpMaxConnections(), 30, TimeUnit.SECONDS,
                new SynchronousQueue<>(), daemonThreads("banger-dns-tcp-worker"));
        daemonThreads("banger-dns-udp").newThread(this::serveUdp).start();
        daemonThreads("banger-dns-tcp").newThread(this::serveTcp).start();
        LOG.info("DNS for *.{} listening on {}:{}", domain.toString(true), bindAddress.getHostAddress(), port());
    }

    /** The bound port (useful when constructed with 0). */
    public int port() {
        return udp.getLocalPort();
    }

    /** Makes NAME.DOMAIN resolve to address; replaces an earlier registration of the name. */
    public void register(String name, String address) {
        String label = label(name);
        try {
            addresses.put(label, InetAddress.getByAddress(intToBytes(Ipv4.parse(address))));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + address + "' is not an IPv4 address", e);
        }
    }

    public void unregister(String name) {
        addresses.remove(name.toLowerCase(Locale.ROOT));
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (udp != null) {
            udp.close();
        }
        if (tcp != null) {
            try {
                tcp.close();
            } catch (IOException ignored) {
                // closing a listening socket only fails if it is already closed
            }
        }
        if (udpWorkers != null) {
            udpWorkers.shutdownNow();
            tcpWorkers.shutdownNow();
        }
    }

    private void serveUdp() {
        byte[] buffer = new byte[65535];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("DNS UDP receive failed: {}", e.getMessage());
                }
                continue;
            }
            byte[] query = Arrays.copyOfRange(packet.getData(), packet.getOffset(), packet.getOffset() + packet.getLength());
            InetSocketAddress client = (InetSocketAddress) packet.getSocketAddress();
            try {
                udpWorkers.execute(() -> answer(query, true, allowed(client.getAddress())).ifPresent(reply -> {
                    try {
                        udp.send(new DatagramPacket(reply, reply.length, client));
                    } catch (IOException e) {
                        LOG.debug("DNS reply to {} failed: {}", client, e.getMessage());
                    }
                }));
            } catch (RejectedExecutionException e) {
                // busy or closing: the query is dropped and the client retries, as with any loaded server
            }
        }
    }

    private void serveTcp() {
        while (!closed) {
            Socket connection;
            try {
                connection = tcp.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("DNS TCP accept failed: {}", e.getMessage());
                }
                continue;
            }
            try {
                tcpWorkers.execute(() -> serveConnection(connection));
            } catch (RejectedExecutionException e) {
                closeQuietly(connection);
            }
        }
    }

    private void serveConnection(Socket connection) {
        long deadline = System.nanoTime() + limits.tcpDeadline().toNanos();
        boolean allowed = allowed(connection.getInetAddress());
        try (connection;
             DataInputStream in = new DataInputStream(new DeadlineInputStream(connection, deadline));
             DataOutputStream out = new DataOutputStream(connection.getOutputStream())) {
            while (!closed) {
                byte[] query = new byte[in.readUnsignedShort()];
                in.readFully(query);
                Optional<byte[]> reply = answer(query, false, allowed);
                if (reply.isEmpty()) {
                    return;
                }
                out.writeShort(reply.get().length);
                out.write(reply.get());
                out.flush();
            }
        } catch (EOFException | SocketException | SocketTimeoutException ignored) {
            // the client closed the connection or it reached its deadline
        } catch (IOException e) {
            LOG.debug("DNS TCP connection failed: {}", e.getMessage());
        }
    }

    private boolean allowed(InetAddress source) {
        return source instanceof Inet4Address v4 && clients.contains(bytesToInt(v4.getAddress()));
    }

    /** The wire reply to a wire query; empty when the query is too broken to answer at all. */
    Optional<byte[]> answer(byte[] wire, boolean udpTransport, boolean allowedSource) {
        Message query;
        try {
            query = new Message(wire);
        } catch (IOException e) {
            return formErr(wire);
        }
        Message response = allowedSource ? respond(query) : error(query, Rcode.REFUSED);
        if (!udpTransport) {
            return Optional.of(response.toWire());
        }
        OPTRecord opt = query.getOPT();
        int asked = opt == null ? UDP_DEFAULT_PAYLOAD : Math.max(UDP_DEFAULT_PAYLOAD, opt.getPayloadSize());
        return Optional.of(response.toWire(Math.min(asked, UDP_MAX_PAYLOAD)));
    }

    private Message respond(Message query) {
        Record question = query.getQuestion();
        if (query.getHeader().getOpcode() != Opcode.QUERY) {
            return error(query, Rcode.NOTIMP);
        }
        if (question == null) {
            return error(query, Rcode.FORMERR);
        }
        Name qname = question.getName();
        if (!qname.subdomain(domain)) {
            return upstream.map(resolver -> forward(resolver, query)).orElseGet(() -> error(query, Rcode.REFUSED));
        }
        Message response = reply(query);
        response.getHeader().setFlag(Flags.AA);
        if (qname.equals(domain)) {
            return response;
        }
        InetAddress address = qname.labels() == domain.labels() + 1
                ? addresses.get(qname.getLabelString(0).toLowerCase(Locale.ROOT)) : null;
        if (address == null) {
            response.getHeader().setRcode(Rcode.NXDOMAIN);
        } else if (question.getType() == Type.A || question.getType() == Type.ANY) {
            response.addRecord(new ARecord(qname, DClass.IN, TTL_SECONDS, address), Section.ANSWER);
        }
        return response;
    }

    private Message forward(Resolver resolver, Message query) {
        try {
            Message upstreamReply = resolver.send(query.clone());
            upstreamReply.getHeader().setID(query.getHeader().getID());
            return upstreamReply;
        } catch (IOException e) {
            LOG.debug("upstream DNS failed for {}: {}", query.getQuestion().getName(), e.getMessage());
            return error(query, Rcode.SERVFAIL);
        }
    }

    private static Message reply(Message query) {
        Message response = new Message(query.getHeader().getID());
        Header header = response.getHeader();
        header.setFlag(Flags.QR);
        if (query.getHeader().getFlag(Flags.RD)) {
            header.setFlag(Flags.RD);
        }
        if (query.getQuestion() != null) {
            response.addRecord(query.getQuestion(), Section.QUESTION);
        }
        return response;
    }

    private static Message error(Message query, int rcode) {
        Message response = reply(query);
        response.getHeader().setRcode(rcode);
        return response;
    }

    private static Optional<byte[]> formErr(byte[] wire) {
        if (wire.length < Header.LENGTH) {
            return Optional.empty();
        }
        Message response = new Message(((wire[0] & 0xff) << 8) | (wire[1] & 0xff));
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setRcode(Rcode.FORMERR);
        return Optional.of(response.toWire());
    }

    private static String label(String name) {
        String label = name == null ? "" : name.toLowerCase(Locale.ROOT);
        if (!LABEL.matcher(label).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a DNS label (1-63 of a-z 0-9 -, no leading or trailing -)");
        }
        return label;
    }

    private static Resolver resolverFor(List<InetSocketAddress> upstreams) {
        Resolver[] resolvers = upstreams.stream().map(a -> {
            SimpleResolver r = new SimpleResolver(a);
            r.setTimeout(UPSTREAM_TIMEOUT);
            return (Resolver) r;
        }).toArray(Resolver[]::new);
        ExtendedResolver resolver = new ExtendedResolver(resolvers);
        resolver.setTimeout(UPSTREAM_TIMEOUT);
        return resolver;
    }

    private static int bytesToInt(byte[] b) {
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to do for a connection refused at the cap
        }
    }

    private static byte[] intToBytes(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    private static ThreadFactory daemonThreads(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
