/**
 * Test-only fault injection ({@link banger.fault.CrashPoints}): off unless a system property switches it on.
 * Depends on nothing in banger, so every layer may mark its crash points.
 */
package banger.fault;
