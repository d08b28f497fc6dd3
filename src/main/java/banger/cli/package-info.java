/**
 * The banger command-line client: a pure HTTP client of the API (picocli).
 * It imports no server package; the types it shares with the server live in banger.wire.
 */
package banger.cli;
