// Create operations in flight and recent, with cancel; refreshed as VM events arrive.

import {del, get} from './api.js';
import {el, fill, time} from './dom.js';
import {onEvent} from './events.js';
import {confirmAction, showError} from './ui.js';

export function operationsPage(root) {
  const tbody = el('tbody');
  const empty = el('p', {class: 'empty', hidden: true}, 'No operations yet.');
  fill(root, el('section', {id: 'operations-page'}, el('h1', {}, 'Operations'),
    el('table', {id: 'operations', class: 'grid'}, el('thead', {}, el('tr', {},
      ['id', 'kind', 'VM', 'state', 'error', 'started', 'finished', ''].map(h => el('th', {}, h)))), tbody),
    empty));

  async function cancel(op) {
    if (!await confirmAction(`Cancel the creation of ${op.vm}? Its VM is deleted with everything it held.`)) return;
    try {
      await del(`/v1/operations/${encodeURIComponent(op.id)}`);
    } catch (error) {
      showError(error);
    }
    load();
  }

  let timer = null;
  async function load() {
    timer = null;
    try {
      const {operations} = await get('/v1/operations');
      operations.sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
      fill(tbody, operations.map(op => el('tr', {dataset: {operationId: op.id}},
        el('td', {class: 'mono'}, op.id), el('td', {}, op.kind),
        el('td', {}, op.vm_id ? el('a', {href: `#/vm/${encodeURIComponent(op.vm_id)}`}, op.vm) : op.vm),
        el('td', {}, el('span', {class: `badge ${op.state}`}, op.state)),
        el('td', {class: 'error'}, op.error ? op.error.message : ''),
        el('td', {}, time(op.created_at)), el('td', {}, time(op.finished_at)),
        el('td', {}, op.state === 'running'
          ? el('button', {type: 'button', class: 'danger', onclick: () => cancel(op)}, 'cancel') : null))));
      empty.hidden = operations.length > 0;
    } catch (error) {
      showError(error);
    }
  }

  load();
  const unsubscribe = onEvent(() => {
    if (!timer) timer = setTimeout(load, 300);
  });
  return () => {
    unsubscribe();
    clearTimeout(timer);
  };
}
