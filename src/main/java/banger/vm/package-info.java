/**
 * A VM as an event-sourced actor (its mailbox is its lock), the VmFleet that creates and routes VMs, the
 * launch steps, the host runtime, the reconciler and the seam for per-VM child actors.
 */
package banger.vm;
