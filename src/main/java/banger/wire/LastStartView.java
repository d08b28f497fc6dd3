package banger.wire;

/**
 * How the VM's last start went: {@code kind} "warm" (resumed from its saved state) or "cold" (booted), and for a
 * VM that was suspended but booted cold, why its saved state was not used.
 */
public record LastStartView(String kind, String coldBootReason) {

    public static final String WARM = "warm";
    public static final String COLD = "cold";
}
