/**
 * Firecracker as the VMM: its API over a unix socket, its config, and the jailer.
 */
package banger.vmm.firecracker;
