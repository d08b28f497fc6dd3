/**
 * Running external programs: one place, argv only, with a timeout and captured output.
 * The bottom driver everything that touches the host goes through.
 */
package banger.host;
