/**
 * Guests' serial consoles: copied into capped logs that rotate in place.
 */
package banger.vmm.console;
