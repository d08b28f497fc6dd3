/**
 * Plain records the API sends and receives that the CLI shares (VmView, OperationView, ...).
 * No dependencies: the CLI may import only this package of the server's.
 */
package banger.wire;
