/**
 * Boot admission: how many VMs may boot at once, a queue with positions for the rest, and the VmControl that
 * shows a waiting boot's place.
 */
package banger.vm.admission;
