/**
 * Port forwarding: a host port that reaches a port of a VM's guest, relayed by the daemon over the guest network
 * ({@link banger.forward.PortForwards} journals them, {@link banger.forward.TcpRelay} carries the bytes).
 */
package banger.forward;
