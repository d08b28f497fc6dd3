/**
 * Work inside a guest over SSH: workspaces (a host git tree imported, exported as a bundle or diff), atomic file
 * writes and tar transfers, and the guest's listening ports; the slow guest I/O runs off actor threads.
 */
package banger.workspace;
