// Images with their source and size; pulling one from a registry (followed to its end, cancellable), building one
// from a preset, and deleting one.

import {del, get, post} from './api.js';
import {bytes, el, fill, time} from './dom.js';
import {confirmAction, showError} from './ui.js';

const imagePath = name => `/v1/images/${encodeURIComponent(name)}`;
const operationPath = id => `/v1/operations/${encodeURIComponent(id)}`;

/**
 * Where an image came from, short enough for a table cell: "preset:tiny" -> "preset tiny", an OCI reference with
 * its digest cut to 12 hex digits; registered and promoted images say so. The whole source is the cell's title.
 */
function sourceText(source) {
  if (!source) return '—';
  const colon = source.indexOf(':');
  const kind = colon < 0 ? source : source.slice(0, colon);
  const rest = colon < 0 ? '' : source.slice(colon + 1);
  if (kind === 'oci') return `oci ${rest.replace(/@sha256:([0-9a-f]{12})[0-9a-f]*$/, '@$1…')}`;
  return rest ? `${kind} ${rest}` : kind;
}

function progressText(p) {
  if (!p) return '';
  const total = p.bytes_total >= 0 ? ` of ${bytes(p.bytes_total)}` : '';
  const layers = p.layers_total > 0 ? `, ${p.layers_done}/${p.layers_total} layers applied` : '';
  return `${p.phase}: ${bytes(p.bytes_done)}${total} fetched${layers}`;
}

/**
 * Shows an image operation's state and progress until it ends; offers to cancel it. Image operations are not VM
 * events, so this polls; {@code onSucceeded} runs once the image exists. Answers a function that stops following.
 */
function follow(operation, panel, onSucceeded) {
  const state = el('span', {id: 'pull-op-state', class: `badge ${operation.state}`}, operation.state);
  const progress = el('span', {id: 'pull-op-progress', class: 'muted'});
  const cancel = el('button', {id: 'pull-cancel', type: 'button', class: 'danger', onclick: async () => {
    cancel.disabled = true;
    try {
      show(await del(operationPath(operation.id)));
    } catch (error) {
      showError(error);
      cancel.disabled = false;
    }
  }}, 'Cancel');
  fill(panel, el('p', {}, `Pulling ${operation.image} (operation ${operation.id}): `, state, ' ', cancel),
    el('p', {}, progress));
  panel.hidden = false;
  let timer = null;
  const stopFollowing = () => clearInterval(timer);
  const show = op => {
    state.textContent = op.state;
    state.className = `badge ${op.state}`;
    // a finished operation has no progress: keep the last seen
    if (op.progress) progress.textContent = progressText(op.progress);
    if (op.state === 'running' || op.state === 'pending') return;
    cancel.hidden = true;
    stopFollowing();
    if (op.error) showError(`pull ${op.image}: ${op.error.message}`);
    if (op.state === 'succeeded') onSucceeded();
  };
  const poll = async () => {
    try {
      show(await get(operationPath(operation.id)));
    } catch (error) {
      showError(error);
      stopFollowing();
    }
  };
  timer = setInterval(poll, 1000);
  show(operation);
  return stopFollowing;
}

export function imagesPage(root) {
  const tbody = el('tbody');
  const empty = el('p', {class: 'empty', hidden: true}, 'No images yet: pull or bootstrap one below.');

  const ref = el('input', {id: 'pull-ref', required: true, placeholder: 'registry:port/repository:tag', size: 40});
  const pullName = el('input', {id: 'pull-name', placeholder: 'name (default: the repository)', maxlength: 128});
  const pullSubmit = el('button', {id: 'pull-submit', type: 'submit'}, 'Pull');
  const pullProgress = el('div', {id: 'pull-progress', class: 'progress', hidden: true});
  let stopFollowing = () => {};
  const pullForm = el('form', {id: 'pull-form', class: 'card', onsubmit: async e => {
    e.preventDefault();
    pullSubmit.disabled = true;
    try {
      const request = {ref: ref.value.trim()};
      if (pullName.value.trim()) request.name = pullName.value.trim();
      const operation = await post('/v1/images/pull', request);
      stopFollowing();
      stopFollowing = follow(operation, pullProgress, load);
    } catch (error) {
      showError(error);
    } finally {
      pullSubmit.disabled = false;
    }
  }}, el('h2', {}, 'Pull an image'), el('div', {class: 'fields'},
    el('label', {}, 'Reference ', ref), el('label', {}, 'Name ', pullName)), pullSubmit, pullProgress);

  const preset = el('select', {id: 'bootstrap-preset'}, el('option', {value: 'tiny'}, 'tiny (busybox, seconds)'),
    el('option', {value: 'debian'}, 'debian (debootstrap, minutes)'));
  const name = el('input', {id: 'bootstrap-name', placeholder: 'name (default: the preset)'});
  const submit = el('button', {id: 'bootstrap-submit', type: 'submit'}, 'Bootstrap');
  const status = el('p', {class: 'muted'});
  fill(root, el('section', {id: 'images-page'}, el('h1', {}, 'Images'),
    el('table', {id: 'images', class: 'grid'}, el('thead', {}, el('tr', {},
      ['name', 'source', 'size', 'os', 'kernel', 'created', ''].map(h => el('th', {}, h)))), tbody), empty,
    pullForm,
    el('form', {class: 'card', onsubmit: async e => {
      e.preventDefault();
      submit.disabled = true;
      const request = {preset: preset.value, name: name.value.trim() || preset.value};
      status.textContent = `building ${request.name} from ${request.preset}…`;
      try {
        await post('/v1/images/bootstrap?wait=true', request);
        status.textContent = `built ${request.name}`;
        load();
      } catch (error) {
        status.textContent = '';
        showError(error);
      } finally {
        submit.disabled = false;
      }
    }}, el('h2', {}, 'Bootstrap an image'), preset, ' ', name, ' ', submit, status)));

  async function remove(image, tr, button) {
    const what = `Delete image ${image.name}? Its files go with it, unless it was registered from host files.`;
    if (!await confirmAction(what, [`${image.name} (${sourceText(image.source)}, ${bytes(image.rootfs_bytes)})`])) {
      return;
    }
    button.disabled = true;
    try {
      await del(imagePath(image.name));
      tr.remove();
      empty.hidden = tbody.rows.length > 0;
    } catch (error) {
      // e.g. 409 while a VM uses the image: the API's message says which
      showError(`delete ${image.name}: ${error.message}`);
      button.disabled = false;
    }
  }

  function row(i) {
    const button = el('button', {type: 'button', class: 'danger', dataset: {action: 'delete'},
      'aria-label': `delete ${i.name}`, onclick: () => remove(i, tr, button)}, 'delete');
    const tr = el('tr', {dataset: {image: i.name}},
      el('td', {class: 'name'}, i.name), el('td', {class: 'source', title: i.source || ''}, sourceText(i.source)),
      el('td', {class: 'num size'}, bytes(i.rootfs_bytes)), el('td', {}, i.os),
      el('td', {class: 'mono'}, i.kernel), el('td', {}, time(i.created_at)), el('td', {}, button));
    return tr;
  }

  async function load() {
    try {
      const {images} = await get('/v1/images');
      images.sort((a, b) => a.name.localeCompare(b.name));
      fill(tbody, images.map(row));
      empty.hidden = images.length > 0;
    } catch (error) {
      showError(error);
    }
  }

  load();
  return () => stopFollowing();
}
