// The host: the daemon's doctor checks, and a few figures from its Prometheus metrics.

import {get, text} from './api.js';
import {el, fill} from './dom.js';
import {showError} from './ui.js';

/** Samples of the Prometheus text format: [{name, labels, value}]. */
export function parseMetrics(body) {
  const samples = [];
  for (const line of body.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/);
    if (!m) continue;
    const labels = {};
    for (const l of (m[3] || '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({name: m[1], labels, value: Number(m[4])});
  }
  return samples;
}

/** A quantile from cumulative histogram buckets, interpolated within the bucket, as Prometheus does. */
export function quantile(q, buckets) {
  const sorted = buckets.map(b => ({le: b.labels.le === '+Inf' ? Infinity : Number(b.labels.le), count: b.value}))
    .sort((a, b) => a.le - b.le);
  const total = sorted.length ? sorted[sorted.length - 1].count : 0;
  if (!total) return null;
  const rank = q * total;
  let previous = {le: 0, count: 0};
  for (const b of sorted) {
    if (b.count >= rank) {
      if (b.le === Infinity) return previous.le;
      return previous.le + (b.le - previous.le) * (rank - previous.count) / Math.max(1, b.count - previous.count);
    }
    previous = b;
  }
  return previous.le;
}

function figure(label, value, id) {
  return el('div', {class: 'figure', id}, el('div', {class: 'value'}, value), el('div', {class: 'muted'}, label));
}

export function hostPage(root) {
  const figures = el('div', {id: 'host-figures', class: 'figures'}, el('p', {class: 'muted'}, 'loading…'));
  const checks = el('tbody');
  fill(root, el('section', {id: 'host-page'}, el('h1', {}, 'Host'),
    el('button', {type: 'button', onclick: load}, 'Refresh'),
    el('h2', {}, 'Figures'), figures,
    el('h2', {}, 'Doctor'),
    el('table', {id: 'doctor', class: 'grid'}, el('thead', {}, el('tr', {},
      ['check', 'status', 'detail', 'fix'].map(h => el('th', {}, h)))), checks)));

  async function load() {
    try {
      const samples = parseMetrics(await text('/metrics'));
      const of = name => samples.filter(s => s.name === name);
      const byState = of('banger_vms').filter(s => s.value > 0)
        .map(s => `${s.value} ${s.labels.state}`).join(', ') || 'none';
      const boot = of('banger_vm_boot_seconds_bucket');
      const seconds = v => (v === null ? '—' : `${v.toFixed(1)} s`);
      const taps = status => of('banger_tap_pool_taps').find(s => s.labels.status === status);
      const target = of('banger_tap_pool_target')[0];
      fill(figures,
        figure('VMs by state', byState, 'figure-vms'),
        figure('boot time p50', seconds(quantile(0.5, boot)), 'figure-boot-p50'),
        figure('boot time p99', seconds(quantile(0.99, boot)), 'figure-boot-p99'),
        figure('TAP pool idle / lent / target', target
          ? `${taps('idle')?.value ?? 0} / ${taps('lent')?.value ?? 0} / ${target.value}` : 'networking off',
        'figure-taps'),
        figure('event stream clients', of('banger_api_event_subscribers')[0]?.value ?? 0, 'figure-subscribers'));
    } catch (error) {
      fill(figures, el('p', {class: 'error'}, error.message));
    }
    try {
      const answer = await get('/v1/doctor');
      fill(checks, answer.checks.map(c => el('tr', {},
        el('td', {}, c.name), el('td', {}, el('span', {class: `badge ${String(c.status).toLowerCase()}`}, c.status)),
        el('td', {}, c.detail || ''), el('td', {}, c.fix || ''))));
      if (!answer.checks.length) fill(checks, el('tr', {}, el('td', {colspan: 4, class: 'empty'}, 'No checks.')));
    } catch (error) {
      showError(error);
    }
  }

  load();
}
