// Small DOM helpers. Every text goes in as a text node or a property, never
// as HTML, so no value from the API can become markup.

// h makes an element: h('a', {href: '/x', class: 'btn'}, 'text', child, [more]).
// Attributes named on* that are functions become event listeners; value,
// checked, disabled, selected, hidden and indeterminate are set as
// properties; null, undefined and false leave an attribute out.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
    } else if (['value', 'checked', 'disabled', 'selected', 'hidden', 'indeterminate'].includes(k)) {
      el[k] = v;
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

// add adds children to el, as append does, and returns el.
export function add(el, ...children) {
  append(el, children);
  return el;
}

// append adds children to el: nodes, text, arrays of them; null and false
// are left out.
export function append(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

let seq = 0;
// uid makes an element id unique on the page.
export function uid(prefix = 'f') {
  seq += 1;
  return `${prefix}-${seq}`;
}

// field wraps a control with its label, an optional hint and a slot for
// its error, linked with for/aria-describedby. name is the API's field name
// (problem+json errors[].field) that the error slot answers to.
export function field({ label, control, hint, name, wide }) {
  const id = control.id || (control.id = uid('in'));
  const errId = `${id}-error`;
  const described = [];
  let hintEl = null;
  if (hint) {
    hintEl = h('p', { class: 'hint', id: `${id}-hint` }, hint);
    described.push(hintEl.id);
  }
  described.push(errId);
  control.setAttribute('aria-describedby', described.join(' '));
  const err = h('p', { class: 'field-error', id: errId, hidden: true, dataset: { errorFor: name || '' } });
  return h('div', { class: ['field', wide && 'wide'], dataset: { field: name || '' } },
    h('label', { for: id }, label), control, hintEl, err);
}

// errorSlot is an error paragraph for a group (a table row, a fieldset).
export function errorSlot(name, id = uid('err')) {
  return h('p', { class: 'field-error', id, hidden: true, dataset: { errorFor: name } });
}

// clearErrors hides every error inside root.
export function clearErrors(root) {
  for (const el of root.querySelectorAll('.field-error')) {
    el.hidden = true;
    el.textContent = '';
  }
  for (const el of root.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const summary = root.querySelector('.form-alert');
  if (summary) {
    summary.hidden = true;
    summary.replaceChildren();
  }
}

// showErrors puts each field error of a problem next to its field: into
// the error slot whose data-error-for is the field name that rename(field)
// gives (null: no field of this form). The rest, and the problem's detail
// when no field matched, go to the form's alert. The first control in error
// gets the focus.
export function showErrors(root, problem, rename = (f) => f) {
  clearErrors(root);
  const leftover = [];
  let first = null;
  for (const e of problem.errors || []) {
    const name = rename(e.field);
    const slot = name != null && [...root.querySelectorAll('.field-error')].find((s) => s.dataset.errorFor === name);
    if (!slot) {
      leftover.push(e);
      continue;
    }
    slot.textContent = (slot.textContent ? `${slot.textContent} · ` : '') + sentence(e.message);
    slot.hidden = false;
    const control = root.querySelector(`[aria-describedby~="${slot.id}"]`);
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      first = first || control;
    } else {
      first = first || slot;
    }
  }
  const summary = root.querySelector('.form-alert');
  if (summary && (leftover.length || !(problem.errors || []).length || !first)) {
    summary.replaceChildren(
      h('strong', null, problem.title || 'Something went wrong'),
      problem.detail ? h('span', null, ` ${sentence(problem.detail)}`) : null,
      leftover.length ? h('ul', null, leftover.map((e) => h('li', null, `${e.field}: ${e.message}`))) : null,
    );
    summary.hidden = false;
    first = first || summary;
  }
  if (first) {
    if (first.matches('input, select, textarea, button')) first.focus();
    else {
      first.setAttribute('tabindex', '-1');
      first.focus();
    }
  }
}

// formAlert is the form-level error box that showErrors fills.
export function formAlert() {
  return h('div', { class: 'form-alert alert', role: 'alert', hidden: true });
}

// sentence starts a message with a capital letter.
export function sentence(s) {
  s = String(s || '');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// busy disables a button while work runs, and says so.
export async function busy(button, label, work) {
  const before = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  if (label) button.textContent = label;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.textContent = before;
  }
}

// when formats a time for people: "12 Mar 2026, 14:05".
export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

// ago says how long ago a time was: "5 minutes ago", "in 13 days".
export function ago(iso, now = Date.now()) {
  if (!iso) return '';
  const diff = (new Date(iso).getTime() - now) / 1000;
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const units = [['year', 31536000], ['month', 2592000], ['day', 86400], ['hour', 3600], ['minute', 60]];
  for (const [unit, secs] of units) {
    if (Math.abs(diff) >= secs) return rtf.format(Math.round(diff / secs), unit);
  }
  return rtf.format(Math.round(diff), 'second');
}

// timeEl shows a time as <time> with the relative form and the exact one.
export function timeEl(iso, { relative = true } = {}) {
  if (!iso) return '—';
  return h('time', { datetime: iso, title: when(iso) }, relative ? `${ago(iso)} (${when(iso)})` : when(iso));
}

// toast says something briefly in the status region.
let toastTimer;
export function toast(message) {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.classList.add('shown');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove('shown'), 6000);
}

// confirmDialog asks a yes/no question in a modal dialog and resolves to
// true for yes. Escape and the no button answer no.
export function confirmDialog({ title, message, yes, no = 'No' }) {
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, title),
      message ? h('p', null, message) : null,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn danger', value: 'yes', onclick: () => dlg.close('yes') }, yes),
        h('button', { type: 'button', class: 'btn', value: 'no', autofocus: true, onclick: () => dlg.close('no') }, no)));
    dlg.addEventListener('close', () => {
      dlg.remove();
      resolve(dlg.returnValue === 'yes');
    });
    document.body.append(dlg);
    dlg.showModal();
  });
}

// dl shows label/value pairs; values that are null or "" show as a dash.
export function dl(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([k, v]) => [
    h('dt', null, k),
    h('dd', null, v == null || v === '' ? '—' : v),
  ]));
}

// table makes a table whose rows turn into cards on a narrow screen: each
// cell carries its column's label.
export function table({ caption, columns, rows, className }) {
  return h('div', { class: 'table-wrap' },
    h('table', { class: ['grid', className] },
      caption ? h('caption', null, caption) : null,
      h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label)))),
      h('tbody', null, rows)));
}

// cells makes a row's cells, each labelled with its column for narrow screens.
export function row(columns, values, attrs) {
  return h('tr', attrs, values.map((v, i) => h('td', { 'data-label': columns[i].label, class: columns[i].class }, v)));
}
