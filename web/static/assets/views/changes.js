// The change log of an order or an opportunity (GET .../changes): who,
// when, what changed (before → after) and why, newest first.

import * as api from '../api.js';
import { h, append, timeEl } from '../dom.js';
import { fieldLabel } from '../labels.js';

export async function changeLog(path) {
  const section = h('section', { class: 'card changes', 'aria-labelledby': 'changes-title' },
    h('h2', { id: 'changes-title' }, 'Change log'));
  let first;
  try {
    first = await api.get(path);
  } catch (p) {
    if (p.status === 401) throw p;
    section.append(h('p', { class: 'hint' }, p.status === 404 ? 'The change log is not available.' : `The change log could not be read: ${p.detail || p.title}`));
    return section;
  }
  let { rows, next } = api.list(first, 'changes', 'entries', 'items');
  const list = h('ol', { class: 'log' });
  const more = h('button', { type: 'button', class: 'btn' }, 'Show older changes');
  const add = (entries) => {
    for (const e of entries) list.append(entry(e));
    more.hidden = !next;
  };
  more.addEventListener('click', async () => {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api.get(`${path}${sep}cursor=${encodeURIComponent(next)}`);
    ({ rows, next } = api.list(page, 'changes', 'entries', 'items'));
    add(rows);
  });
  add(rows);
  append(section, [rows.length ? [list, more] : h('p', { class: 'empty' }, 'No change recorded yet.')]);
  return section;
}

function entry(e) {
  const who = (e.user && e.user.name) || e.user_name || 'Someone';
  const changes = Object.entries(e.changes || {});
  return h('li', null,
    h('p', { class: 'log-head' }, timeEl(e.at || e.created_at, { relative: false }), ' · ', h('strong', null, who)),
    e.reason ? h('p', { class: 'log-reason' }, e.reason) : null,
    changes.length
      ? h('ul', { class: 'log-changes' }, changes.map(([name, c]) => h('li', null,
        h('span', { class: 'log-field' }, fieldLabel(name)), ': ',
        h('del', null, show(c && c.before)), ' → ', h('ins', null, show(c && c.after)))))
      : null);
}

function show(v) {
  if (v == null || v === '') return '(none)';
  if (Array.isArray(v)) {
    // Lines: "4 × Widget, blue; 5 × On-site support".
    if (v.every((x) => x && typeof x === 'object' && 'quantity' in x)) {
      return v.map((x) => `${x.quantity} × ${x.description || x.product_name || x.sku || 'item'}`).join('; ') || '(none)';
    }
    return v.map((x) => show(x)).join('; ');
  }
  if (typeof v === 'object') {
    if (v.number || v.name) return [v.number, v.name].filter(Boolean).join(' ');
    return JSON.stringify(v);
  }
  return String(v);
}
