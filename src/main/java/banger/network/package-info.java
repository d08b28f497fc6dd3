/**
 * Host networking: the bridge, NAT, the TapPool singleton lending TAP devices, address allocation and the
 * DNS server that resolves VM names.
 */
package banger.network;
