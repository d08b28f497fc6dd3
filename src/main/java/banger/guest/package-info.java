/**
 * Low-level guest access that needs no VM knowledge: the SSH client, keys, shell quoting, and writing
 * guest configuration into an ext4 image with debugfs.
 */
package banger.guest;
