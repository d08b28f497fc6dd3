// What every page shares: the error banner and the confirmation dialog.

import {el, fill} from './dom.js';

const banner = document.getElementById('banner');

/** Shows an error (or any message) above the page until the next one or a click. */
export function showError(error) {
  const message = error instanceof Error ? error.message : String(error);
  fill(banner, el('span', {class: 'message'}, message),
    el('button', {type: 'button', class: 'close', onclick: () => { banner.hidden = true; }}, 'dismiss'));
  banner.hidden = false;
}

export function clearError() {
  banner.hidden = true;
}

/** Asks for confirmation in a modal; resolves true only if the operator confirmed. */
export function confirmAction(text, items = []) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  fill(document.getElementById('confirm-list'), items.map(i => el('li', {}, i)));
  return new Promise(resolve => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), {once: true});
    dialog.returnValue = '';
    dialog.showModal();
  });
}

