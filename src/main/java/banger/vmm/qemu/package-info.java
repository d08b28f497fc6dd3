/**
 * QEMU as the VMM: its argv (TCG or KVM, sandboxed, run as its own user), QMP for control, and migration to a
 * file for suspend and warm start.
 */
package banger.vmm.qemu;
