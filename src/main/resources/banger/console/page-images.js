// Images with their source and size, and building one from a preset.

import {get, post} from './api.js';
import {bytes, el, fill, time} from './dom.js';
import {showError} from './ui.js';

export function imagesPage(root) {
  const tbody = el('tbody');
  const empty = el('p', {class: 'empty', hidden: true}, 'No images yet: bootstrap one below.');
  const preset = el('select', {id: 'bootstrap-preset'}, el('option', {value: 'tiny'}, 'tiny (busybox, seconds)'),
    el('option', {value: 'debian'}, 'debian (debootstrap, minutes)'));
  const name = el('input', {id: 'bootstrap-name', placeholder: 'name (default: the preset)'});
  const submit = el('button', {id: 'bootstrap-submit', type: 'submit'}, 'Bootstrap');
  const status = el('p', {class: 'muted'});
  fill(root, el('section', {id: 'images-page'}, el('h1', {}, 'Images'),
    el('table', {id: 'images', class: 'grid'}, el('thead', {}, el('tr', {},
      ['name', 'source', 'root fs', 'kernel', 'created'].map(h => el('th', {}, h)))), tbody), empty,
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

  async function load() {
    try {
      const {images} = await get('/v1/images');
      fill(tbody, images.map(i => el('tr', {dataset: {image: i.name}},
        el('td', {}, i.name), el('td', {}, i.os), el('td', {class: 'num'}, bytes(i.rootfs_bytes)),
        el('td', {class: 'mono'}, i.kernel), el('td', {}, time(i.created_at)))));
      empty.hidden = images.length > 0;
    } catch (error) {
      showError(error);
    }
  }

  load();
}
