// The fleet page: every VM, live; counts by state; filter by state and label, search by name; actions on the
// selected VMs; a create form that follows its operation and can cancel it.

import {del, get, post} from './api.js';
import {ACTIONS, act} from './actions.js';
import {age, el, fill} from './dom.js';
import {onEvent} from './events.js';
import * as fleetStore from './fleet-store.js';
import {showError} from './ui.js';

const STATES = ['created', 'starting', 'running', 'paused', 'suspending', 'suspended', 'stopping', 'stopped', 'failed',
  'deleting', 'unknown'];
const selected = new Set();
const filter = {search: '', state: '', label: ''};

function parseLabels(text) {
  const labels = {};
  for (const part of text.split(/[\n,]/).map(s => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`label "${part}" must be key=value`);
    labels[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return labels;
}

function matches(vm) {
  if (filter.state && vm.state !== filter.state) return false;
  if (filter.search) {
    const needle = filter.search.toLowerCase();
    if (!vm.name.toLowerCase().includes(needle) && !vm.id.startsWith(needle)) return false;
  }
  if (filter.label) {
    const eq = filter.label.indexOf('=');
    const labels = vm.labels || {};
    if (eq < 0) return Object.prototype.hasOwnProperty.call(labels, filter.label.trim());
    return labels[filter.label.slice(0, eq).trim()] === filter.label.slice(eq + 1).trim();
  }
  return true;
}

export function row(vm, {selectable = true} = {}) {
  const check = el('input', {type: 'checkbox', class: 'select', checked: selected.has(vm.id),
    'aria-label': `select ${vm.name}`,
    onchange: e => { e.target.checked ? selected.add(vm.id) : selected.delete(vm.id); }});
  return el('tr', {dataset: {vmId: vm.id, vmName: vm.name}},
    selectable ? el('td', {}, check) : null,
    el('td', {class: 'name'}, el('a', {href: `#/vm/${encodeURIComponent(vm.id)}`}, vm.name)),
    el('td', {class: 'state'}, el('span', {class: `badge ${vm.state}`, title: vm.state_reason || ''}, vm.state)),
    el('td', {class: 'image'}, vm.image),
    el('td', {class: 'num'}, vm.vcpus),
    el('td', {class: 'num'}, `${vm.memory_mib} MiB`),
    el('td', {class: 'num'}, `${vm.disk_mib} MiB`),
    el('td', {class: 'address'}, vm.address || '—'),
    el('td', {class: 'labels'}, Object.entries(vm.labels || {}).map(([k, v]) => el('span', {class: 'label'}, `${k}=${v}`))),
    el('td', {class: 'age', title: vm.created_at}, age(vm.created_at)));
}

function createForm(images) {
  const name = el('input', {id: 'create-name', placeholder: 'generated if empty', maxlength: 63});
  const image = el('select', {id: 'create-image'}, images.map(i => el('option', {value: i.name}, i.name)));
  const vcpus = el('input', {id: 'create-vcpus', type: 'number', min: 1, placeholder: 'default', class: 'short'});
  const memory = el('input', {id: 'create-memory', type: 'number', min: 1, placeholder: 'default', class: 'short'});
  const disk = el('input', {id: 'create-disk', type: 'number', min: 1, placeholder: 'default', class: 'short'});
  const labels = el('input', {id: 'create-labels', placeholder: 'team=ops, env=dev'});
  const start = el('input', {id: 'create-start', type: 'checkbox', checked: true});
  const submit = el('button', {id: 'create-submit', type: 'submit'}, 'Create');
  const progress = el('div', {id: 'create-progress', class: 'progress', hidden: true});
  const form = el('form', {id: 'create-form', class: 'card', hidden: true, onsubmit: async e => {
    e.preventDefault();
    const request = {image: image.value, start: start.checked};
    try {
      if (name.value.trim()) request.name = name.value.trim();
      if (vcpus.value) request.vcpus = Number(vcpus.value);
      if (memory.value) request.memory_mib = Number(memory.value);
      if (disk.value) request.disk_mib = Number(disk.value);
      const parsed = parseLabels(labels.value);
      if (Object.keys(parsed).length) request.labels = parsed;
    } catch (error) {
      showError(error);
      return;
    }
    submit.disabled = true;
    try {
      follow(await post('/v1/vms', request), progress);
    } catch (error) {
      showError(error);
    } finally {
      submit.disabled = false;
    }
  }},
  el('h2', {}, 'New VM'),
  el('div', {class: 'fields'},
    el('label', {}, 'Name ', name), el('label', {}, 'Image ', image),
    el('label', {}, 'vCPUs ', vcpus), el('label', {}, 'Memory MiB ', memory), el('label', {}, 'Disk MiB ', disk),
    el('label', {}, 'Labels ', labels), el('label', {}, start, ' start it')),
  images.length ? submit : el('p', {class: 'empty'}, 'No images yet: bootstrap one on the Images page.'),
  progress);
  return form;
}

/** Shows a create operation's progress (its VM's events as they happen) until it ends; offers to cancel. */
function follow(operation, panel) {
  const steps = el('ol', {class: 'steps'});
  const state = el('span', {id: 'create-op-state', class: `badge ${operation.state}`}, operation.state);
  const cancel = el('button', {id: 'create-cancel', type: 'button', class: 'danger', onclick: async () => {
    cancel.disabled = true;
    try {
      show(await del(`/v1/operations/${encodeURIComponent(operation.id)}`));
    } catch (error) {
      showError(error);
      cancel.disabled = false;
    }
  }}, 'Cancel');
  fill(panel, el('p', {}, `Creating ${operation.vm} (operation ${operation.id}): `, state, ' ', cancel), steps);
  panel.hidden = false;
  const show = op => {
    state.textContent = op.state;
    state.className = `badge ${op.state}`;
    if (op.state !== 'running') {
      cancel.hidden = true;
      stopFollowing();
      if (op.error) steps.append(el('li', {class: 'error'}, op.error.message));
    }
  };
  const poll = async () => {
    try {
      show(await get(`/v1/operations/${encodeURIComponent(operation.id)}`));
    } catch (error) {
      showError(error);
      stopFollowing();
    }
  };
  const unsubscribe = onEvent(event => {
    if (event.vm_id !== operation.vm_id) return;
    steps.append(el('li', {}, `${new Date(event.at).toLocaleTimeString()} ${event.type}`));
    poll();
  });
  // an operation's end is not itself a VM event: look at it now and then while it runs
  const timer = setInterval(poll, 1000);
  const stopFollowing = () => {
    unsubscribe();
    clearInterval(timer);
  };
  poll();
}

export function fleetPage(root) {
  const counts = el('div', {id: 'counts', class: 'counts'});
  const tbody = el('tbody');
  const empty = el('p', {id: 'fleet-empty', class: 'empty', hidden: true});
  const search = el('input', {id: 'search', type: 'search', placeholder: 'search by name', value: filter.search,
    oninput: e => { filter.search = e.target.value.trim(); render(); }});
  const stateFilter = el('select', {id: 'state-filter', onchange: e => { filter.state = e.target.value; render(); }},
    el('option', {value: ''}, 'any state'), STATES.map(s => el('option', {value: s, selected: filter.state === s}, s)));
  const labelFilter = el('input', {id: 'label-filter', placeholder: 'label key=value', value: filter.label,
    oninput: e => { filter.label = e.target.value.trim(); render(); }});
  // the form needs the image list; a click before it arrived still opens it once it is there
  const formSlot = el('div');
  let formOpen = false;
  const newButton = el('button', {id: 'new-vm', type: 'button', onclick: () => {
    formOpen = !formOpen;
    if (formSlot.firstChild) formSlot.firstChild.hidden = !formOpen;
  }}, 'New VM…');
  const actionButtons = ACTIONS.map(action => el('button', {type: 'button', dataset: {action},
    class: action === 'delete' || action === 'kill' ? 'danger' : '',
    onclick: () => {
      const chosen = [...selected].map(id => fleetStore.vms.get(id)).filter(Boolean);
      if (!chosen.length) {
        showError('Select one or more VMs first.');
        return;
      }
      act(action, chosen);
    }}, action));
  const all = el('input', {type: 'checkbox', id: 'select-all', 'aria-label': 'select all shown',
    onchange: e => {
      visible().forEach(vm => e.target.checked ? selected.add(vm.id) : selected.delete(vm.id));
      render();
    }});

  fill(root,
    el('section', {id: 'fleet-page'},
      el('h1', {}, 'Fleet'), counts,
      el('div', {class: 'toolbar'}, search, stateFilter, labelFilter, el('span', {class: 'spacer'}),
        actionButtons, newButton),
      formSlot,
      el('table', {id: 'fleet', class: 'grid'},
        el('thead', {}, el('tr', {}, el('th', {}, all), ['name', 'state', 'image', 'vCPUs', 'memory', 'disk',
          'address', 'labels', 'age'].map(h => el('th', {}, h)))),
        tbody),
      empty));

  get('/v1/images').then(answer => {
    const form = createForm(answer.images);
    form.hidden = !formOpen;
    fill(formSlot, form);
  }).catch(showError);

  // a row is rebuilt only when its VM changed, so focus, selection and references to it survive updates
  const rows = new Map();
  function rowFor(vm) {
    const key = JSON.stringify(vm);
    let entry = rows.get(vm.id);
    if (!entry || entry.key !== key) {
      entry = {key, tr: row(vm)};
      rows.set(vm.id, entry);
    } else {
      entry.tr.querySelector('td.age').textContent = age(vm.created_at);
      entry.tr.querySelector('input.select').checked = selected.has(vm.id);
    }
    return entry.tr;
  }

  function visible() {
    return [...fleetStore.vms.values()].filter(matches).sort((a, b) => a.name.localeCompare(b.name));
  }

  function render() {
    for (const id of [...selected]) if (!fleetStore.vms.has(id)) selected.delete(id);
    const byState = {};
    fleetStore.vms.forEach(vm => { byState[vm.state] = (byState[vm.state] || 0) + 1; });
    fill(counts,
      el('button', {type: 'button', class: filter.state === '' ? 'count current' : 'count', dataset: {state: ''},
        onclick: () => { filter.state = ''; stateFilter.value = ''; render(); }},
      el('span', {class: 'n'}, fleetStore.vms.size), ' VMs'),
      Object.keys(byState).sort().map(s => el('button', {type: 'button', dataset: {state: s},
        class: filter.state === s ? 'count current' : 'count',
        onclick: () => { filter.state = s; stateFilter.value = s; render(); }},
      el('span', {class: `n badge ${s}`}, byState[s]), ` ${s}`)));
    const shown = visible();
    for (const id of [...rows.keys()]) if (!fleetStore.vms.has(id)) rows.delete(id);
    tbody.replaceChildren(...shown.map(rowFor));
    empty.hidden = shown.length > 0;
    empty.textContent = fleetStore.vms.size === 0
      ? 'No VMs yet. Create one with "New VM…" or `banger vm create`.'
      : 'No VM matches the filter.';
  }

  render();
  const unsubscribe = fleetStore.onChange(render);
  const ticker = setInterval(render, 15000);
  return () => {
    unsubscribe();
    clearInterval(ticker);
  };
}
