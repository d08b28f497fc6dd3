package banger.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal HTTP/1.0 server that answers every request with the address the connection came from
 * ("peer A.B.C.D"), and prints the same line on stdout. {@link OutsideHost} runs it in its own JVM inside a
 * network namespace (a JVM cannot switch namespaces itself); guests fetch it with busybox wget.
 *
 * <p>Usage: {@code PeerAddressServer BIND_ADDRESS PORT}. Prints "listening" once bound; runs until killed.
 */
public final class PeerAddressServer {

    private PeerAddressServer() {
    }

    public static void main(String[] args) throws IOException {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getByName(args[0]), Integer.parseInt(args[1])));
            System.out.println("listening");
            System.out.flush();
            while (true) {
                try (Socket client = server.accept()) {
                    client.setSoTimeout(10_000);
                    answer(client);
                } catch (IOException e) {
                    System.out.println("error " + e.getMessage());
                    System.out.flush();
                }
            }
        }
    }

    private static void answer(Socket client) throws IOException {
        BufferedReader request = new BufferedReader(
                new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
        String line = request.readLine();
        while (line != null && !line.isEmpty()) {
            line = request.readLine();
        }
        String peer = "peer " + client.getInetAddress().getHostAddress();
        byte[] body = (peer + "\n").getBytes(StandardCharsets.US_ASCII);
        OutputStream out = client.getOutputStream();
        out.write(("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        System.out.println(peer);
        System.out.flush();
    }
}
