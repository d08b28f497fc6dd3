package banger.network;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Deterministic guest MAC addresses, so a VM keeps its MAC (and its DHCP/ARP identity) across restarts. */
public final class MacAddress {

    private MacAddress() {
    }

    /** 02:xx:xx:xx:xx:xx (locally administered, unicast) from the first five bytes of SHA-256(vmId). */
    public static String forVm(String vmId) {
        if (vmId == null || vmId.isEmpty()) {
            throw new IllegalArgumentException("vm id is empty");
        }
        byte[] hash;
        try {
            hash = MessageDigest.getInstance("SHA-256").digest(vmId.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        StringBuilder mac = new StringBuilder("02");
        for (int i = 0; i < 5; i++) {
            mac.append(':').append(String.format("%02x", hash[i] & 0xff));
        }
        return mac.toString();
    }
}
