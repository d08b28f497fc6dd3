package banger.network;

/** One host networking check for `banger doctor`: what was checked, whether it holds, and what was seen. */
public record HostNetworkFinding(String check, boolean ok, String detail) {
}
