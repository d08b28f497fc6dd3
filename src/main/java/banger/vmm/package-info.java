/**
 * VM monitors behind one interface: QEMU (QMP) and Firecracker (API socket), process control and adoption.
 * Knows nothing of VMs beyond a launch spec.
 */
package banger.vmm;
