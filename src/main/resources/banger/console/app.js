// The console's entry point: login (pasted token, or a one-time code in the URL fragment), the page router
// (#/, #/vm/<id>, #/operations, #/images, #/host), the error banner and the live-feed indicator.

import * as api from './api.js';
import * as events from './events.js';
import * as fleetStore from './fleet-store.js';
import {el, fill} from './dom.js';
import {clearError} from './ui.js';
import {fleetPage} from './page-fleet.js';
import {vmPage} from './page-vm.js';
import {operationsPage} from './page-operations.js';
import {imagesPage} from './page-images.js';
import {hostPage} from './page-host.js';

const app = document.getElementById('app');
const nav = document.getElementById('nav');
const liveStatus = document.getElementById('live-status');
const logoutButton = document.getElementById('logout');
let leavePage = () => {};

function loginView(message) {
  events.stop();
  leavePage();
  leavePage = () => {};
  nav.hidden = true;
  liveStatus.hidden = true;
  logoutButton.hidden = true;
  const token = el('input', {id: 'login-token', type: 'password', autocomplete: 'off', required: true,
    placeholder: 'API token', size: 70});
  const error = el('p', {id: 'login-error', class: 'error', role: 'alert'}, message || '');
  error.hidden = !message;
  const submit = el('button', {id: 'login-submit', type: 'submit'}, 'Log in');
  const form = el('form', {id: 'login', class: 'card', onsubmit: async e => {
    e.preventDefault();
    submit.disabled = true;
    try {
      await api.login({token: token.value.trim()});
      await enter();
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  }},
  el('h1', {}, 'Log in to banger'),
  el('p', {}, 'Paste the daemon\'s API token (the content of <state-dir>/api.token), or open the address that ',
    el('code', {}, 'banger console'), ' prints.'),
  el('label', {}, 'API token ', token), ' ', submit, error);
  fill(app, form);
  token.focus();
}

async function enter() {
  clearError();
  nav.hidden = false;
  liveStatus.hidden = false;
  logoutButton.hidden = false;
  await fleetStore.load();
  events.start(0);
  route();
}

function route() {
  leavePage();
  leavePage = () => {};
  const hash = location.hash.replace(/^#/, '') || '/';
  const vm = hash.match(/^\/vm\/([^/]+)$/);
  let page = 'fleet';
  if (vm) {
    page = 'vm';
    leavePage = vmPage(app, decodeURIComponent(vm[1])) || leavePage;
  } else if (hash === '/operations') {
    page = 'operations';
    leavePage = operationsPage(app) || leavePage;
  } else if (hash === '/images') {
    page = 'images';
    leavePage = imagesPage(app) || leavePage;
  } else if (hash === '/host') {
    page = 'host';
    leavePage = hostPage(app) || leavePage;
  } else {
    leavePage = fleetPage(app) || leavePage;
  }
  nav.querySelectorAll('a').forEach(a => a.classList.toggle('current', a.dataset.page === page));
}

events.onStatus((status, detail) => {
  liveStatus.textContent = status === 'live' ? 'live' : status === 'reconnecting' ? 'reconnecting…' : 'offline';
  liveStatus.className = 'live ' + (status === 'live' ? 'on' : 'off');
  liveStatus.title = detail || '';
});

api.whenLoggedOut(message => loginView(message));

logoutButton.addEventListener('click', async () => {
  try {
    await api.logout();
  } catch (error) {
    // the session is dropped on this side whatever the daemon said
  }
  loginView('Logged out.');
});

const codeInAddress = () => new URLSearchParams(location.hash.replace(/^#/, '')).get('code');

// a login link opened in a tab that already shows the console changes only the fragment
window.addEventListener('hashchange', () => {
  if (codeInAddress()) boot();
  else if (!nav.hidden) route();
});

async function boot() {
  const code = codeInAddress();
  if (code) {
    // the code works once: take it out of the address bar and history before using it
    history.replaceState(null, '', location.pathname + location.search + '#/');
    try {
      await api.login({code});
      await enter();
    } catch (error) {
      loginView(error.message);
    }
    return;
  }
  try {
    await api.resume();
    await enter();
  } catch (error) {
    loginView(error.status === 401 ? '' : error.message);
  }
}

boot();
