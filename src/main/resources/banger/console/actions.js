// Lifecycle actions on one or many VMs, each confirmed first. Every VM's outcome is reported: a refusal shows
// the API's own message.

import {del, post, vmPath} from './api.js';
import * as fleetStore from './fleet-store.js';
import {confirmAction, showError} from './ui.js';

export const ACTIONS = ['start', 'stop', 'restart', 'kill', 'delete'];

const WORDING = {
  start: 'Start', stop: 'Stop (gracefully)', restart: 'Restart', kill: 'Kill (no graceful shutdown)',
  delete: 'Delete, with its disk,',
};

/** Resolves once every VM answered; returns how many failed. */
export async function act(action, vms) {
  if (!vms.length) return 0;
  const what = `${WORDING[action]} ${vms.length === 1 ? 'this VM' : `these ${vms.length} VMs`}?`;
  if (!await confirmAction(what, vms.map(vm => `${vm.name} (${vm.state})`))) return 0;
  // start, stop, restart and delete are operations: ?wait=true answers with the VM once it got there
  const outcomes = await Promise.allSettled(vms.map(vm => action === 'delete'
    ? del(`${vmPath(vm.id)}?wait=true`)
    : post(action === 'kill' ? vmPath(vm.id, action) : `${vmPath(vm.id, action)}?wait=true`)));
  const failures = [];
  outcomes.forEach((outcome, i) => {
    if (outcome.status === 'fulfilled') {
      if (action === 'delete') fleetStore.refresh(vms[i].id);
      else fleetStore.put(outcome.value);
    } else {
      failures.push(`${action} ${vms[i].name}: ${outcome.reason.message}`);
    }
  });
  if (failures.length) showError(failures.join(' · '));
  return failures.length;
}
