// The VM page's workspace: what `banger workspace prepare` put in the guest (where, from which commit, how many
// files and bytes, when), the guest's HEAD and uncommitted changes while it runs, and the last export.

import {ApiError, get, vmPath} from './api.js';
import {bytes, el, fill, time} from './dom.js';

const short = commit => (commit ? commit.slice(0, 12) : null);

/** The workspace pane of VM {@code ref}: {node, refresh()}. */
export function workspacePane(ref) {
  const body = el('div', {id: 'workspace'}, el('p', {class: 'muted'}, 'loading…'));
  const node = el('section', {id: 'workspace-pane', class: 'card'}, el('h2', {}, 'Workspace'), body);

  async function refresh() {
    try {
      render(await get(vmPath(ref, 'workspace')));
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 404) {
        fill(body, el('p', {id: 'workspace-empty', class: 'empty'}, 'No workspace in this VM. ',
          el('span', {class: 'muted'}, failure.message)));
      } else {
        fill(body, el('p', {id: 'workspace-error', class: 'error'}, failure.message));
      }
    }
  }

  function render(w) {
    const exported = w.last_export;
    const rows = [
      ['guest path', w.guest_path],
      ['files', w.files],
      ['size', bytes(w.bytes)],
      ['base commit', short(w.base_commit) || 'none (not a git work tree)'],
      ['guest HEAD', short(w.head) || 'unknown (the VM is not running, or no git in the guest)'],
      ['uncommitted changes', w.dirty === true ? 'yes' : w.dirty === false ? 'no' : 'unknown'],
      ['prepared', time(w.prepared_at)],
      ['last export', exported ? `${time(exported.at)}: ${exported.commits} commits up to ${short(exported.head)}` : 'never'],
    ];
    fill(body, el('dl', {id: 'workspace-details', class: 'details narrow'},
      rows.map(([k, v]) => [el('dt', {}, k), el('dd', {dataset: {field: k}}, v)])));
  }

  return {node, refresh};
}
