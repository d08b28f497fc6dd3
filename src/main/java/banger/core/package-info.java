/**
 * Vocabulary every domain package shares: Rejection (a serialisable refusal with a reason) and its carrier.
 * No dependencies but persistence's serialisation marker.
 */
package banger.core;
