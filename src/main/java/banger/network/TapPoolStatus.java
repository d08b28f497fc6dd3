package banger.network;

import banger.persistence.JsonSerializable;

import java.util.Map;

/**
 * A snapshot of the pool.
 *
 * @param idle     TAPs ready to lend
 * @param lent     TAP name to the id of the VM holding it
 * @param creating TAPs being created (for the pool or for a waiting lend)
 * @param target   how many idle TAPs the pool keeps
 */
public record TapPoolStatus(int idle, Map<String, String> lent, int creating, int target) implements JsonSerializable {
}
