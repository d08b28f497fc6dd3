package banger.vm;

import banger.vmm.VmmHandle;

/**
 * A VM's transient host handles, kept in its handles.json and rebuilt at every start. Never journaled:
 * durable rows do not describe kernel state.
 *
 * @param tap the TAP device lent by the pool, or null without a guest network
 */
public record VmHandles(VmmHandle vmm, String disk, String diskFormat, String tap, String consoleLog) {
}
