// The console's copy of the fleet: loaded once, then kept current from the event feed. An event names the VM
// it concerns; that VM is fetched again (or dropped when the API no longer knows it). Events arriving together,
// as after a reconnect, are coalesced into one list request.

import {ApiError, get, vmPath} from './api.js';
import {onEvent} from './events.js';

const BATCH_MS = 100;
const MANY = 20;

export const vms = new Map();
const listeners = new Set();
const pending = new Set();
let timer = null;

export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function changed() {
  listeners.forEach(l => l());
}

export async function load() {
  const answer = await get('/v1/vms');
  vms.clear();
  answer.vms.forEach(vm => vms.set(vm.id, vm));
  changed();
}

/** Puts a VM the API just answered (after an action) into the store at once. */
export function put(vm) {
  if (vm && vm.id) {
    vms.set(vm.id, vm);
    changed();
  }
}

export function refresh(id) {
  pending.add(id);
  if (!timer) timer = setTimeout(flush, BATCH_MS);
}

async function flush() {
  timer = null;
  const ids = [...pending];
  pending.clear();
  try {
    if (ids.length > MANY) {
      await load();
      return;
    }
    await Promise.all(ids.map(async id => {
      try {
        vms.set(id, await get(vmPath(id)));
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) vms.delete(id);
        else throw error;
      }
    }));
    changed();
  } catch (error) {
    console.warn('fleet refresh failed', error);
  }
}

onEvent(event => {
  if (event.vm_id) refresh(event.vm_id);
});
