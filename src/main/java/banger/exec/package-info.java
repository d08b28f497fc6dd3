/**
 * Running one command in a VM's guest (over SSH) for POST /v1/vms/{ref}/exec.
 * Resolves the VM through the fleet; the SSH client is banger.guest's.
 */
package banger.exec;
