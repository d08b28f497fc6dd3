// One VM: its details and actions, its serial console following live, its guest sessions (sessions-pane.js), its
// workspace (workspace-pane.js), its history as a timeline, and an exec box (argv in, output and exit code out).

import {ApiError, get, post, stream, vmPath} from './api.js';
import {ACTIONS, act} from './actions.js';
import {age, appendBounded, el, fill, plainText, time} from './dom.js';
import {onEvent} from './events.js';
import * as fleetStore from './fleet-store.js';
import {showError} from './ui.js';
import {splitArgv} from './argv.js';
import {sessionsPane} from './sessions-pane.js';
import {workspacePane} from './workspace-pane.js';

const CONSOLE_KEEP = 256 * 1024;

function details(vm) {
  const rows = [
    ['id', vm.id], ['state', vm.state], ['reason', vm.state_reason], ['image', vm.image], ['vCPUs', vm.vcpus],
    ['memory', `${vm.memory_mib} MiB`], ['disk', `${vm.disk_mib} MiB`], ['address', vm.address], ['pid', vm.pid],
    ['labels', Object.entries(vm.labels || {}).map(([k, v]) => `${k}=${v}`).join(', ')],
    ['created', `${time(vm.created_at)} (${age(vm.created_at)} ago)`], ['updated', time(vm.updated_at)],
  ];
  return el('dl', {id: 'vm-details', class: 'details'},
    rows.filter(([, v]) => v !== null && v !== undefined && v !== '')
      .map(([k, v]) => [el('dt', {}, k), el('dd', {dataset: {field: k}}, v)]));
}

function consolePane(ref, signal) {
  const pre = el('pre', {id: 'vm-console', class: 'console', tabindex: 0});
  const status = el('span', {id: 'vm-console-status', class: 'muted'}, 'connecting…');
  const append = text => appendBounded(pre, plainText(text), CONSOLE_KEEP);
  (async () => {
    try {
      status.textContent = 'following';
      await stream(`${vmPath(ref, 'console')}?follow=true`, append, signal);
      status.textContent = 'ended';
    } catch (error) {
      if (signal.aborted) return;
      status.textContent = `stopped: ${error.message}`;
    }
  })();
  return el('section', {class: 'card'}, el('h2', {}, 'Serial console ', status), pre);
}

function timeline(events) {
  return events.length
    ? el('ol', {id: 'vm-history', class: 'timeline'}, events.slice().reverse().map(e => el('li', {},
      el('time', {datetime: e.at}, time(e.at)), ' ', el('strong', {}, e.type),
      e.data && Object.keys(e.data).length ? el('span', {class: 'muted'}, ' ' + JSON.stringify(e.data)) : null)))
    : el('p', {id: 'vm-history', class: 'empty'}, 'No history yet.');
}

function execBox(ref) {
  const command = el('input', {id: 'exec-argv', placeholder: 'uname -a', size: 60, autocomplete: 'off'});
  const timeout = el('input', {id: 'exec-timeout', type: 'number', min: 1, placeholder: '30', class: 'short'});
  const submit = el('button', {id: 'exec-run', type: 'submit'}, 'Run');
  const result = el('div', {id: 'exec-result'});
  return el('section', {class: 'card'}, el('h2', {}, 'Exec'),
    el('form', {onsubmit: async e => {
      e.preventDefault();
      let argv;
      try {
        argv = splitArgv(command.value);
        if (!argv.length) throw new Error('type a command to run');
      } catch (error) {
        fill(result, el('p', {class: 'error'}, error.message));
        return;
      }
      const request = {argv};
      if (timeout.value) request.timeout_s = Number(timeout.value);
      submit.disabled = true;
      fill(result, el('p', {class: 'muted'}, `running ${JSON.stringify(argv)}…`));
      try {
        const answer = await post(vmPath(ref, 'exec'), request);
        fill(result,
          el('p', {}, 'exit code ', el('span', {id: 'exec-exit', class: answer.exit_code === 0 ? 'ok' : 'error'},
            answer.exit_code)),
          el('h3', {}, 'stdout'), el('pre', {id: 'exec-stdout', class: 'output'}, answer.stdout),
          answer.stderr ? [el('h3', {}, 'stderr'), el('pre', {id: 'exec-stderr', class: 'output'}, answer.stderr)] : null);
      } catch (error) {
        fill(result, el('p', {id: 'exec-error', class: 'error'}, error.message));
      } finally {
        submit.disabled = false;
      }
    }}, el('label', {}, 'Command ', command), ' ', el('label', {}, 'timeout s ', timeout), ' ', submit),
    result);
}

export function vmPage(root, ref) {
  const controller = new AbortController();
  const head = el('div');
  const history = el('section', {class: 'card'}, el('h2', {}, 'History'), el('p', {class: 'muted'}, 'loading…'));
  let vm = fleetStore.vms.get(ref) || [...fleetStore.vms.values()].find(v => v.name === ref);
  const id = () => (vm ? vm.id : ref);
  const sessions = sessionsPane(ref);
  const workspace = workspacePane(ref);

  fill(root, el('section', {id: 'vm-page'},
    el('p', {}, el('a', {href: '#/'}, '← Fleet')), head,
    el('div', {class: 'columns'}, el('div', {}, consolePane(ref, controller.signal), sessions.node),
      el('div', {}, execBox(ref), workspace.node, history))));

  function renderHead() {
    if (!vm) {
      fill(head, el('h1', {}, ref), el('p', {id: 'vm-gone', class: 'empty'}, 'This VM does not exist (any more).'));
      return;
    }
    fill(head,
      el('h1', {}, vm.name, ' ', el('span', {id: 'vm-state', class: `badge ${vm.state}`}, vm.state)),
      el('div', {class: 'toolbar'}, ACTIONS.map(action => el('button', {type: 'button', dataset: {action},
        class: action === 'delete' || action === 'kill' ? 'danger' : '',
        onclick: async () => {
          const failed = await act(action, [vm]);
          if (action === 'delete' && !failed) location.hash = '#/';
        }}, action))),
      details(vm));
  }

  let historyTimer = null;
  async function loadHistory() {
    historyTimer = null;
    try {
      const answer = await get(vmPath(id(), 'history'));
      history.replaceChildren(el('h2', {}, 'History'), timeline(answer.events));
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) showError(error);
    }
  }

  renderHead();
  loadHistory();
  sessions.refresh();
  workspace.refresh();
  let shownState = vm && vm.state;
  const unsubscribeStore = fleetStore.onChange(() => {
    vm = fleetStore.vms.get(id());
    renderHead();
    // sessions and the workspace answer differently once the VM runs or stops
    if (vm && vm.state !== shownState) {
      shownState = vm.state;
      sessions.refresh();
      workspace.refresh();
    }
  });
  const unsubscribeEvents = onEvent(event => {
    if (event.vm_id !== id()) return;
    if (!historyTimer) historyTimer = setTimeout(loadHistory, 200);
    if ((event.type || '').startsWith('Session')) sessions.refresh();
    if ((event.type || '').startsWith('Workspace')) workspace.refresh();
  });
  return () => {
    controller.abort();
    sessions.leave();
    unsubscribeStore();
    unsubscribeEvents();
    clearTimeout(historyTimer);
  };
}
