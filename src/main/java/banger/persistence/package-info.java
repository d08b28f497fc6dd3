/**
 * The SQLite journal, snapshot store and read journal behind Pekko Persistence (one writer thread, WAL).
 * Also the Jackson serialisation marker. Depends on nothing in banger but the test-only crash points of banger.fault.
 */
package banger.persistence;
