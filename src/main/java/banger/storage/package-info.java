/**
 * Per-VM disks over a shared image: qcow2 overlays, sparse copies, growing ext4.
 * Chosen per VM by what the image and the VMM take.
 */
package banger.storage;
