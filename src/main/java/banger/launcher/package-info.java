/**
 * The program's entry point: wires the CLI to the daemon so that neither imports the other.
 * The only package allowed to see both sides.
 */
package banger.launcher;
