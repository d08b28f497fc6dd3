// The VM page's sessions: the VM's guest sessions (processes that outlive the page), a form to start one, and
// for the one selected its output following live, an input box (a line, or end of input) and a terminal attach.
// argv, names and output are daemon text: they only ever become text nodes.

import {ApiError, del, get, post, postBytes, streamBytes, vmPath} from './api.js';
import {splitArgv} from './argv.js';
import {age, appendBounded, bytes, el, fill, plainText} from './dom.js';
import {attachTerminal} from './terminal.js';
import {confirmAction} from './ui.js';

const OUTPUT_KEEP = 256 * 1024;
const LIVE = new Set(['starting', 'running']);

/** argv as one line a reader can copy into a shell: words with spaces or quotes are JSON-quoted. */
export function argvText(argv) {
  return (argv || []).map(a => (a === '' || /[\s'"\\]/.test(a) ? JSON.stringify(a) : a)).join(' ');
}

/** The sessions pane of VM {@code ref}: {node, refresh(), leave()}. */
export function sessionsPane(ref) {
  const base = vmPath(ref, 'sessions');
  const sessionPath = id => `${base}/${encodeURIComponent(id)}`;
  let sessions = [];
  let selected = null; // {id, controller, terminal}
  let loading = null;
  let again = false;

  const error = el('p', {id: 'sessions-error', class: 'error', role: 'alert', hidden: true});
  const list = el('div', {id: 'sessions-list'}, el('p', {class: 'muted'}, 'loading…'));
  const view = el('div', {id: 'session-view', hidden: true});

  const command = el('input', {id: 'session-argv', placeholder: 'sh -c \'make 2>&1\'', size: 36, autocomplete: 'off'});
  const name = el('input', {id: 'session-name', placeholder: 'optional name', size: 14, autocomplete: 'off'});
  const tty = el('input', {id: 'session-tty', type: 'checkbox'});
  const start = el('button', {id: 'session-start', type: 'submit'}, 'Start');
  const form = el('form', {id: 'session-form', class: 'fields', onsubmit: async e => {
    e.preventDefault();
    let argv;
    try {
      argv = splitArgv(command.value);
      if (!argv.length) throw new Error('type the command the session runs');
    } catch (failure) {
      showPaneError(failure);
      return;
    }
    const request = {argv};
    if (name.value.trim()) request.name = name.value.trim();
    if (tty.checked) request.tty = true;
    start.disabled = true;
    try {
      const session = await post(base, request);
      clearPaneError();
      command.value = '';
      name.value = '';
      upsert(session);
      select(session.id);
    } catch (failure) {
      showPaneError(failure);
    } finally {
      start.disabled = false;
    }
  }}, el('label', {}, 'Command ', command), el('label', {}, 'Name ', name), el('label', {}, tty, ' tty'), start);

  const node = el('section', {id: 'sessions-pane', class: 'card'},
    el('h2', {}, 'Sessions ', el('span', {class: 'muted'}, 'processes that run on in the guest')),
    form, error, list, view);

  function showPaneError(failure) {
    error.textContent = failure instanceof Error ? failure.message : String(failure);
    error.hidden = false;
  }

  function clearPaneError() {
    error.hidden = true;
  }

  function upsert(session) {
    const i = sessions.findIndex(s => s.id === session.id);
    if (i >= 0) sessions[i] = session;
    else sessions.push(session);
    renderList();
  }

  async function refresh() {
    if (loading) {
      again = true;
      return loading;
    }
    loading = (async () => {
      try {
        sessions = (await get(base)).sessions || [];
        clearPaneError();
      } catch (failure) {
        sessions = [];
        showPaneError(failure);
      }
      renderList();
    })();
    try {
      await loading;
    } finally {
      loading = null;
    }
    if (again) {
      again = false;
      await refresh();
    }
  }

  function renderList() {
    if (!sessions.length) {
      fill(list, el('p', {id: 'sessions-empty', class: 'empty'}, 'No sessions on this VM.'));
    } else {
      fill(list, el('table', {id: 'sessions', class: 'grid'},
        el('thead', {}, el('tr', {}, ['session', 'command', 'state', 'output', 'started', ''].map(h => el('th', {}, h)))),
        el('tbody', {}, sessions.map(row))));
    }
    if (selected) renderSelectedHead();
  }

  function row(s) {
    const live = LIVE.has(s.state);
    return el('tr', {dataset: {session: s.id}, class: selected && selected.id === s.id ? 'selected' : ''},
      el('td', {class: 'mono'}, s.name || s.id),
      el('td', {class: 'mono session-argv'}, argvText(s.argv)),
      el('td', {}, el('span', {class: `badge ${s.state === 'exited' ? (s.exit_code === 0 ? 'ok' : 'fail') : s.state}`,
        dataset: {field: 'state'}}, s.state === 'exited' ? `exited ${s.exit_code}` : s.state),
      s.reason ? el('div', {class: 'muted'}, s.reason) : null),
      el('td', {class: 'num'}, bytes(s.output_bytes)),
      el('td', {}, age(s.started_at)),
      el('td', {class: 'actions'},
        el('button', {type: 'button', dataset: {action: 'open'}, onclick: () => select(s.id)}, 'open'),
        live ? el('button', {type: 'button', dataset: {action: 'kill'}, class: 'danger',
          onclick: () => act(s, 'kill')}, 'kill') : null,
        el('button', {type: 'button', dataset: {action: 'remove'}, class: 'danger',
          onclick: () => act(s, 'remove')}, 'remove')));
  }

  async function act(s, action) {
    const label = s.name || s.id;
    const question = action === 'kill' ? `Kill session ${label} (SIGKILL to its process group)?`
      : `Remove session ${label}${LIVE.has(s.state) ? ', killing its process' : ''}, with its output?`;
    if (!await confirmAction(question, [argvText(s.argv)])) return;
    try {
      if (action === 'kill') {
        upsert(await post(`${sessionPath(s.id)}/signal`, {signal: 'KILL'}));
      } else {
        await del(sessionPath(s.id));
        if (selected && selected.id === s.id) deselect();
        sessions = sessions.filter(x => x.id !== s.id);
        renderList();
      }
      clearPaneError();
    } catch (failure) {
      showPaneError(failure);
    }
  }

  // ---- the selected session: output, input, terminal

  const viewTitle = el('h3', {id: 'session-title'});
  const followStatus = el('span', {id: 'session-follow-status', class: 'muted'});
  const output = el('pre', {id: 'session-output', class: 'console session-output', tabindex: 0});
  const inputLine = el('input', {id: 'session-input', placeholder: 'a line for its stdin', size: 40, autocomplete: 'off'});
  const inputError = el('span', {id: 'session-input-error', class: 'error'});
  const terminalBox = el('div', {id: 'session-terminal', class: 'terminal', hidden: true});
  const terminalStatus = el('span', {id: 'session-terminal-status', class: 'muted'});
  const attachButton = el('button', {id: 'session-attach', type: 'button', onclick: () => toggleTerminal()}, 'Attach terminal');

  async function sendInput(eof) {
    if (!selected) return;
    const id = selected.id;
    const text = inputLine.value;
    // taken out of the box at once, so a second click cannot send the same line again
    inputLine.value = '';
    try {
      const session = await postBytes(`${sessionPath(id)}/input${eof ? '?eof=true' : ''}`,
        eof && !text ? '' : text + '\n');
      inputError.textContent = '';
      upsert(session);
    } catch (failure) {
      if (!inputLine.value) inputLine.value = text;
      inputError.textContent = failure.message;
    }
  }

  fill(view,
    el('div', {class: 'toolbar'}, viewTitle, el('span', {class: 'spacer'}), followStatus,
      el('button', {type: 'button', id: 'session-close', onclick: () => deselect()}, 'close')),
    output,
    el('form', {id: 'session-input-form', class: 'fields', onsubmit: e => {
      e.preventDefault();
      sendInput(false);
    }}, el('label', {}, 'Input ', inputLine), el('button', {id: 'session-send', type: 'submit'}, 'Send line'),
    el('button', {id: 'session-eof', type: 'button', onclick: () => sendInput(true)}, 'Send end of input'),
    inputError),
    el('div', {class: 'toolbar'}, attachButton, terminalStatus),
    terminalBox);

  function current() {
    return selected && sessions.find(s => s.id === selected.id);
  }

  function renderSelectedHead() {
    const s = current();
    if (!s) return;
    fill(viewTitle, s.name || s.id, ' ', el('span', {class: 'mono muted'}, argvText(s.argv)));
    list.querySelectorAll('tr[data-session]').forEach(tr => tr.classList.toggle('selected', tr.dataset.session === s.id));
  }

  function select(id) {
    deselect();
    selected = {id, controller: new AbortController(), terminal: null};
    output.textContent = '';
    inputLine.value = '';
    inputError.textContent = '';
    terminalStatus.textContent = '';
    view.hidden = false;
    renderSelectedHead();
    follow(selected, 0);
  }

  function deselect() {
    if (!selected) return;
    selected.controller.abort();
    closeTerminal();
    selected = null;
    view.hidden = true;
    list.querySelectorAll('tr.selected').forEach(tr => tr.classList.remove('selected'));
  }

  /** Follows the output from byte {@code from} until the session ends; after a failure offers to go on. */
  async function follow(target, from) {
    const decoder = new TextDecoder();
    let offset = from;
    followStatus.textContent = 'following';
    try {
      await streamBytes(`${sessionPath(target.id)}/output?offset=${from}&follow=true`, chunk => {
        offset += chunk.length;
        appendBounded(output, plainText(decoder.decode(chunk, {stream: true})), OUTPUT_KEEP);
      }, target.controller.signal, response => {
        offset = Number(response.headers.get('Banger-Output-Offset') || from);
      });
      if (selected !== target) return;
      followStatus.textContent = 'ended';
      refresh();
    } catch (failure) {
      if (target.controller.signal.aborted || selected !== target) return;
      fill(followStatus, `stopped: ${failure.message} `,
        el('button', {type: 'button', id: 'session-follow-again', onclick: () => follow(target, offset)}, 'follow again'));
      if (failure instanceof ApiError && failure.status === 404) refresh();
    }
  }

  async function toggleTerminal() {
    if (!selected) return;
    if (selected.terminal) {
      closeTerminal();
      return;
    }
    const target = selected;
    const s = current();
    attachButton.disabled = true;
    terminalStatus.textContent = 'attaching…';
    try {
      // the WebSocket handshake cannot tell why it was refused: ask first, so a refusal shows the API's message
      const fresh = await get(sessionPath(target.id));
      if (!LIVE.has(fresh.state)) throw new Error(`the session has ${fresh.state}: nothing to attach to`);
      terminalBox.hidden = false;
      terminalBox.scrollIntoView({block: 'nearest'});
      const terminal = await attachTerminal(terminalBox, `${sessionPath(target.id)}/attach`, {
        tty: Boolean(s ? s.tty : fresh.tty),
        onStatus: text => { if (selected === target) terminalStatus.textContent = text; },
      });
      if (selected !== target) {
        terminal.close();
        return;
      }
      target.terminal = terminal;
      attachButton.textContent = 'Detach terminal';
    } catch (failure) {
      terminalBox.hidden = true;
      terminalStatus.textContent = failure.message;
    } finally {
      attachButton.disabled = false;
    }
  }

  function closeTerminal() {
    if (selected && selected.terminal) {
      selected.terminal.close();
      selected.terminal = null;
    }
    terminalBox.replaceChildren();
    terminalBox.hidden = true;
    attachButton.textContent = 'Attach terminal';
  }

  return {node, refresh, leave: deselect};
}
