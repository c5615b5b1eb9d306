// The Convert to Order wizard, one view per step of the conversion, as the
// CRM's documentation walks through it: field mapping, products, the order
// draft, save, and the close prompt; then the result. The service decides
// the step: the view shows whatever step the conversion is at, so a
// conversion resumed days later opens where it was left.

import * as api from '../api.js';
import * as dec from '../decimal.js';
import {
  h, add, field, formAlert, showErrors, clearErrors, errorSlot, busy, uid, timeEl, toast, confirmDialog, sentence,
} from '../dom.js';
import { STEPS, fieldLabel, TYPE_LABELS, compatible, stepLabel, statusLabel } from '../labels.js';
import { productLabel, nameOf, fmtValue } from './opportunities.js';

// Links to the opportunity open it in a tab of its own, named after it (so
// a second click shows the same tab), with this tab as its opener: the
// browser gives it a copy of this tab's sessionStorage, and so the sign-in.

// The last conversion body the page saw, by opportunity: a step's answer is
// shown without asking again, and an ended conversion's result (which GET
// no longer answers) survives a reload of this tab.
const seen = new Map();
const ENDED = 'crmconvert.ended.';

export function remember(oppId, conv) {
  seen.set(oppId, conv);
  try {
    if (conv.status !== 'open') sessionStorage.setItem(ENDED + oppId, JSON.stringify(conv));
    else sessionStorage.removeItem(ENDED + oppId);
  } catch {
    // kept in memory only
  }
}

function recall(oppId) {
  const c = seen.get(oppId);
  seen.delete(oppId);
  return c;
}

function recallEnded(oppId) {
  try {
    const raw = sessionStorage.getItem(ENDED + oppId);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

export default async function wizardView(ctx) {
  const oppId = ctx.params[0];
  const base = `/v1/opportunities/${encodeURIComponent(oppId)}`;
  const oppPath = `/app/opportunities/${encodeURIComponent(oppId)}`;
  const root = h('section', { class: 'page wizard' });

  let opp;
  let conv = recall(oppId);
  const load = async () => {
    try {
      return await api.get(`${base}/conversion`);
    } catch (p) {
      if (p.status === 404) return recallEnded(oppId);
      throw p;
    }
  };
  [opp, conv] = await Promise.all([api.get(base), conv ? Promise.resolve(conv) : load()]);

  // notice is said once above the next view of the step.
  let notice = '';

  const show = (c, { focus = true } = {}) => {
    conv = c;
    remember(oppId, c);
    root.replaceChildren(...view());
    if (focus) {
      const h1 = root.querySelector('h1');
      h1.setAttribute('tabindex', '-1');
      h1.focus({ preventScroll: true });
      window.scrollTo(0, 0);
    }
  };

  // step sends one step; a refusal with field errors is shown in form.
  const step = async (button, label, method, path, body, form, rename) => {
    await busy(button, label, async () => {
      try {
        const next = await api.request(method, `${base}/conversion${path}`, { body, version: conv.version, key: api.key() });
        notice = '';
        show(next);
      } catch (p) {
        if (p.status === 401) throw p;
        await refused(p, form, rename);
      }
    });
  };

  // refused shows a refusal: field errors next to their fields; a stale or
  // wrong-step answer shows the conversion as it is now.
  const refused = async (p, form, rename) => {
    if (p.status === 412 || p.status === 409 || p.status === 404) {
      let now = null;
      try {
        now = await load();
      } catch {
        now = null;
      }
      if (now && (p.status !== 409 || now.step !== conv.step || now.version !== conv.version)) {
        notice = `${sentence(p.detail || p.title)}. This is the conversion as it is now.`;
        show(now);
        return;
      }
      if (!now && p.status === 404) { // ended meanwhile: cancelled or expired
        notice = `${sentence(p.detail || p.title)}: the conversion has ended.`;
        conv = null;
        seen.delete(oppId);
        root.replaceChildren(...view());
        return;
      }
    }
    if (form) showErrors(form, p, rename);
    else toast(`${p.title}: ${p.detail}`);
  };

  const cancel = async (button) => {
    const yes = await confirmDialog({
      title: 'Cancel this conversion?',
      message: 'No order is made, and what you entered in this conversion is dropped. The opportunity stays as it is.',
      yes: 'Cancel the conversion',
      no: 'Keep converting',
    });
    if (!yes) return;
    await busy(button, 'Cancelling…', async () => {
      try {
        await api.request('DELETE', `${base}/conversion`);
        seen.delete(oppId);
        toast(`The conversion of ${opp.number} is cancelled.`);
        ctx.navigate(oppPath);
      } catch (p) {
        if (p.status === 401) throw p;
        await refused(p, root.querySelector('form'));
      }
    });
  };

  const back = (button, form) => step(button, 'Going back…', 'POST', '/back', undefined, form);

  // nav is the Back and Cancel buttons every step has, disabled with the
  // reason where the conversion no longer allows them.
  const nav = (form, { backLabel = 'Back' } = {}) => {
    const allowed = conv.allowed_actions || [];
    const backBtn = h('button', { type: 'button', class: 'btn', dataset: { action: 'back' } }, backLabel);
    const cancelBtn = h('button', { type: 'button', class: 'btn danger-ghost', dataset: { action: 'cancel' } }, 'Cancel conversion');
    if (conv.step === 'mapping') {
      backBtn.textContent = 'Back to the opportunity';
      backBtn.addEventListener('click', () => ctx.navigate(oppPath));
    } else if (allowed.includes('back')) {
      backBtn.addEventListener('click', () => back(backBtn, form));
    } else {
      backBtn.disabled = true;
    }
    if (allowed.includes('cancel')) cancelBtn.addEventListener('click', () => cancel(cancelBtn));
    else cancelBtn.disabled = true;
    return [backBtn, cancelBtn];
  };

  const view = () => {
    const parts = [header()];
    if (notice) parts.push(h('div', { class: 'alert', role: 'alert' }, notice));
    if (!conv) {
      parts.push(noConversion());
      return parts;
    }
    parts.push(stepper());
    if (conv.saving) parts.push(saving());
    else if (conv.step === 'mapping') parts.push(mappingStep());
    else if (conv.step === 'products') parts.push(productsStep());
    else if (conv.step === 'draft') parts.push(draftStep());
    else if (conv.step === 'close_prompt') parts.push(closeStep());
    else parts.push(result());
    return parts;
  };

  const header = () => {
    ctx.setTitle(conv ? `${stepLabel(conv.step)} · ${opp.number}` : `Convert ${opp.number}`);
    const meta = [];
    if (conv) {
      meta.push(`Started by ${nameOf(conv.started_by)} `, timeEl(conv.started_at));
      if (conv.status === 'open') meta.push('. If left idle it expires ', timeEl(conv.expires_at), '.');
    }
    return h('header', { class: 'wizard-head' },
      h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' },
        h('a', { href: '/app/' }, 'My conversions'), ' › ',
        h('a', { href: oppPath }, opp.number), ' › Convert to Order'),
      h('h1', null, conv && conv.status === 'open' ? stepLabel(conv.step) : conv && conv.step === 'completed' ? 'Order created' : 'Convert to Order'),
      h('p', { class: 'lead' },
        'Converting ',
        h('a', { href: oppPath, target: `opportunity-${oppId}`, rel: 'opener', class: 'opp-link opp-tab' },
          h('span', { class: 'num' }, opp.number), ` ${opp.name}`, h('span', { class: 'sr-only' }, ' (opens in a new tab)')),
        nameOf(opp.customer) ? ` for ${nameOf(opp.customer)}` : ''),
      meta.length ? h('p', { class: 'hint' }, meta) : null);
  };

  const stepper = () => {
    const at = STEPS.findIndex((s) => s.step === conv.step);
    const done = conv.step === 'completed';
    return h('ol', { class: 'stepper', 'aria-label': 'Steps' }, STEPS.map((s, i) => {
      let state = 'todo';
      if (done || (at >= 0 && i < at)) state = 'done';
      if (done && s.step === 'close_prompt' && !conv.close_prompt) state = 'skipped';
      if (i === at) state = 'current';
      const said = { done: ' (done)', current: ' (current step)', skipped: ' (not asked)' }[state] || '';
      return h('li', { class: state, 'aria-current': i === at ? 'step' : null },
        h('span', { class: 'dot', 'aria-hidden': 'true' }, state === 'done' ? '✓' : state === 'skipped' ? '–' : String(i + 1)),
        h('span', { class: 'label' }, s.label),
        h('span', { class: 'sr-only' }, said));
    }));
  };

  const noConversion = () => {
    const convertible = (ctx.me.permissions || []).includes('order:create') && (opp.items || []).length > 0;
    const startBtn = h('button', { type: 'button', class: 'btn primary' }, 'Convert to Order');
    const box = h('div', { class: 'card' },
      formAlert(),
      h('p', null, 'No conversion of this opportunity is under way.'),
      (opp.orders || []).length
        ? h('p', null, 'Orders made from it: ', opp.orders.map((o, i) => [i ? ', ' : '',
          h('a', { href: `/app/orders/${encodeURIComponent(o.id)}` }, o.number)]))
        : null,
      h('p', { class: 'actions' },
        convertible ? startBtn : null,
        h('a', { class: 'btn', href: oppPath }, 'Open the opportunity')));
    startBtn.addEventListener('click', () => busy(startBtn, 'Opening…', async () => {
      try {
        show(await api.request('POST', `${base}/conversion`, { key: api.key() }));
      } catch (p) {
        if (p.status === 401) throw p;
        showErrors(box, p);
      }
    }));
    return box;
  };

  const saving = () => {
    setTimeout(async () => {
      if (!ctx.current()) return;
      try {
        const now = await load();
        if (ctx.current()) show(now || conv, { focus: false });
      } catch {
        if (ctx.current()) show(conv, { focus: false });
      }
    }, 1000);
    return h('div', { class: 'card', role: 'status' }, h('p', null, 'Saving the order… This page updates by itself.'));
  };

  // --- Step 1: field mapping -------------------------------------------

  const mappingStep = () => {
    const m = conv.mapping;
    const chosen = new Map(m.pairs.map((p) => [p.target, p.source]));
    const sources = m.sources || [];
    const form = h('form', { class: 'step-form', novalidate: true, dataset: { step: 'mapping' } });
    const rows = [];
    for (const t of m.targets || []) {
      const selId = uid('map');
      const outId = uid('preview');
      const sel = h('select', { id: selId, name: t.name, 'aria-describedby': `${outId}` },
        h('option', { value: '' }, '— leave empty —'),
        sources.filter((s) => compatible(s.type, t.type)).map((s) => h('option', {
          value: s.name, selected: chosen.get(t.name) === s.name,
        }, `${fieldLabel(s.name)} (${TYPE_LABELS[s.type] || s.type})`)));
      const out = h('output', { id: outId, for: selId, class: 'preview' });
      const slot = errorSlot(`target:${t.name}`);
      sel.setAttribute('aria-describedby', `${outId} ${slot.id}`);
      const update = () => {
        const server = chosen.get(t.name) === sel.value && m.preview[t.name] != null ? m.preview[t.name] : null;
        const v = sel.value ? previewOf(sel.value, server) : '';
        out.textContent = v === '' || v == null ? (sel.value ? '(empty on this opportunity)' : '—') : v;
        out.classList.toggle('muted', !v);
      };
      sel.addEventListener('change', update);
      update();
      rows.push(h('tr', null,
        h('th', { scope: 'row', 'data-label': 'Order field' },
          h('label', { for: selId }, fieldLabel(t.name)), h('span', { class: 'type' }, TYPE_LABELS[t.type] || t.type),
          ['order.customer_id', 'order.currency'].includes(t.name) ? h('span', { class: 'req' }, 'needed to save') : null),
        h('td', { 'data-label': 'Takes its value from' }, sel, slot),
        h('td', { 'data-label': 'Preview' }, out)));
    }
    const next = h('button', { type: 'submit', class: 'btn primary', dataset: { action: 'next' } }, 'Next: products');
    add(form, 
      formAlert(),
      h('p', null, 'Choose, for each order field, the opportunity field it takes its value from. ',
        m.accepted ? 'This is the mapping you accepted.' : 'Pre-selected: the mapping you chose last time, or the fields of the same name.',
        ' Your choice is remembered for your next conversion.'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid mapping' },
        h('caption', null, 'Field mapping, with a preview of the values the order gets'),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, 'Order field'), h('th', { scope: 'col' }, 'Takes its value from'), h('th', { scope: 'col' }, 'Preview'))),
        h('tbody', null, rows))),
      h('div', { class: 'actions bar' }, nav(form), h('span', { class: 'spacer' }), next));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const pairs = [];
      for (const sel of form.querySelectorAll('select')) if (sel.value) pairs.push({ source: sel.value, target: sel.name });
      clearErrors(form);
      step(next, 'Checking…', 'PUT', '/mapping', { mapping: pairs }, form, (f) => {
        const mm = /^mapping\[(\d+)\]\.(source|target)$/.exec(f);
        if (mm && pairs[Number(mm[1])]) return `target:${pairs[Number(mm[1])].target}`;
        return null;
      });
    });
    return form;
  };

  // previewOf is the value a source field gives, as the order will show it.
  const previewOf = (source, server) => {
    const name = source.replace(/^opportunity\./, '');
    if (name === 'customer_id') return nameOf(opp.customer) || server || '';
    if (server != null) return server;
    if (name.startsWith('custom.')) return fmtValue((opp.custom || {})[name.slice(7)]) ?? '';
    const v = opp[name];
    return v == null ? '' : String(v);
  };

  // --- Step 2: products ------------------------------------------------

  const productsStep = () => {
    const form = h('form', { class: 'step-form', novalidate: true, dataset: { step: 'products' } });
    const anyPicked = conv.items.some((it) => Number(it.picked_quantity) > 0);
    const itemsSlot = errorSlot('items');
    itemsSlot.setAttribute('role', 'alert');
    const checks = [];
    const rows = conv.items.map((it) => {
      const left = Number(it.remaining_quantity) > 0;
      const picked = Number(it.picked_quantity) > 0;
      const cb = h('input', {
        type: 'checkbox', id: uid('pick'), name: 'pick', value: it.id,
        checked: left && (anyPicked ? picked : true), disabled: !left,
      });
      const qty = h('input', {
        type: 'text', inputmode: 'decimal', id: uid('qty'), name: `qty:${it.id}`, class: 'qty', autocomplete: 'off',
        value: picked ? it.picked_quantity : it.remaining_quantity, disabled: !cb.checked,
      });
      const qtySlot = errorSlot(`qty:${it.id}`);
      qty.setAttribute('aria-describedby', qtySlot.id);
      cb.addEventListener('change', () => {
        qty.disabled = !cb.checked;
        if (cb.checked) {
          itemsSlot.hidden = true;
          qty.focus();
        }
        syncAll();
      });
      checks.push(cb);
      const name = productLabel(it.product);
      return h('tr', { class: left ? null : 'spent', dataset: { item: it.id } },
        h('td', { 'data-label': 'Include', class: 'check-col' },
          cb, h('label', { for: cb.id, class: 'sr-only' }, `Include ${name}`)),
        h('td', { 'data-label': 'Product' }, h('label', { for: cb.id }, name), it.description ? h('span', { class: 'sub' }, it.description) : null),
        h('td', { 'data-label': 'Opportunity quantity', class: 'num-col' }, it.quantity),
        h('td', { 'data-label': 'Remaining', class: 'num-col' }, left ? it.remaining_quantity : h('span', null, '0 (all ordered)')),
        h('td', { 'data-label': 'Unit price', class: 'num-col' }, `${it.unit_price} ${opp.currency}`),
        h('td', { 'data-label': 'Quantity to order', class: 'qty-col' },
          h('label', { for: qty.id, class: 'sr-only' }, `Quantity of ${name} to order`), qty, qtySlot));
    });
    const all = h('input', { type: 'checkbox', id: uid('all') });
    const syncAll = () => {
      const usable = checks.filter((c) => !c.disabled);
      const n = usable.filter((c) => c.checked).length;
      all.checked = n > 0 && n === usable.length;
      all.indeterminate = n > 0 && n < usable.length;
    };
    all.addEventListener('change', () => {
      for (const c of checks) {
        if (c.disabled) continue;
        c.checked = all.checked;
        form.querySelector(`[name="qty:${c.value}"]`).disabled = !c.checked;
      }
    });
    syncAll();
    const next = h('button', { type: 'submit', class: 'btn primary', dataset: { action: 'next' } }, 'Next: edit the order');
    add(form, 
      formAlert(),
      h('p', null, 'Check the products (the opportunity’s details) to include in the order, each with a quantity up to what remains of it.'),
      h('fieldset', { class: 'items' },
        h('legend', null, 'Products to include'),
        itemsSlot,
        h('div', { class: 'table-wrap' }, h('table', { class: 'grid products' },
          h('thead', null, h('tr', null,
            h('th', { scope: 'col', class: 'check-col' }, all, h('label', { for: all.id, class: 'sr-only' }, 'Include every item')),
            h('th', { scope: 'col' }, 'Product'),
            h('th', { scope: 'col', class: 'num-col' }, 'Opportunity quantity'),
            h('th', { scope: 'col', class: 'num-col' }, 'Remaining'),
            h('th', { scope: 'col', class: 'num-col' }, 'Unit price'),
            h('th', { scope: 'col' }, 'Quantity to order'))),
          h('tbody', null, rows)))),
      h('div', { class: 'actions bar' }, nav(form), h('span', { class: 'spacer' }), next));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      clearErrors(form);
      const picks = checks.filter((c) => c.checked && !c.disabled).map((c) => ({
        opportunity_item_id: c.value,
        quantity: form.querySelector(`[name="qty:${c.value}"]`).value.trim(),
      }));
      if (picks.length === 0) {
        // The seed's rule, said before anything is sent.
        itemsSlot.textContent = 'At least one item must be checked.';
        itemsSlot.hidden = false;
        const first = checks.find((c) => !c.disabled);
        if (first) first.focus();
        return;
      }
      step(next, 'Checking…', 'PUT', '/items', { items: picks }, form, (f) => {
        const mm = /^items\[(\d+)\]\.(quantity|opportunity_item_id)$/.exec(f);
        if (mm && picks[Number(mm[1])]) return `qty:${picks[Number(mm[1])].opportunity_item_id}`;
        return f === 'items' ? 'items' : null;
      });
    });
    return form;
  };

  // --- Step 3: the order draft ------------------------------------------

  const draftStep = () => {
    const d = conv.draft;
    const cur = () => (form.querySelector('[name=currency]').value.trim().toUpperCase() || d.totals.currency || '');
    const form = h('form', { class: 'step-form draft', novalidate: true, dataset: { step: 'draft' } });
    const header = d.header || {};
    const targetTypes = new Map((conv.mapping.targets || []).map((t) => [t.name.replace(/^order\./, ''), t.type]));
    const original = {}; // name → value as the service has it

    const input = (name, type, attrs = {}) => {
      const value = name.startsWith('custom.') ? (d.custom || {})[name.slice(7)] : header[name];
      original[name] = value == null ? '' : String(value);
      let el;
      if (type === 'textarea') el = h('textarea', { name, rows: 3, ...attrs }, original[name]);
      else if (type === 'customer' && !(opp.customer && opp.customer.id) && !original[name]) {
        // No customer to offer (the API lists none): the id, as the CRM shows it.
        el = h('input', { name, type: 'text', value: '', autocomplete: 'off', spellcheck: 'false', placeholder: 'Customer id', ...attrs });
      } else if (type === 'customer') {
        const opts = [h('option', { value: '' }, '— none —')];
        const c = opp.customer;
        if (c && c.id) opts.push(h('option', { value: c.id }, c.name));
        if (original[name] && !(c && c.id === original[name])) opts.push(h('option', { value: original[name] }, `Customer ${original[name]}`));
        el = h('select', { name, ...attrs }, opts);
        el.value = original[name];
      } else if (type === 'boolean') {
        el = h('select', { name, ...attrs },
          h('option', { value: '' }, '— not set —'), h('option', { value: 'true' }, 'Yes'), h('option', { value: 'false' }, 'No'));
        el.value = original[name];
      } else {
        el = h('input', { name, type, value: original[name], autocomplete: 'off', ...attrs });
      }
      return el;
    };
    const builtin = [
      ['title', 'text', { maxlength: '2000' }],
      ['customer_id', 'customer'],
      ['contact_name', 'text', { maxlength: '2000' }],
      ['currency', 'text', { maxlength: '3', class: 'short', list: 'currencies', spellcheck: 'false', autocapitalize: 'characters' }],
      ['order_date', 'date'],
      ['delivery_date', 'date'],
      ['payment_terms', 'text', { maxlength: '2000' }],
      ['shipping_address', 'textarea', { maxlength: '2000' }],
      ['billing_address', 'textarea', { maxlength: '2000' }],
      ['notes', 'textarea', { maxlength: '10000' }],
    ];
    const hints = {
      customer_id: 'Needed to save.',
      currency: 'ISO 4217 code, such as EUR. Needed to save.',
      order_date: 'Today when left empty.',
    };
    const headerFields = builtin.filter(([n]) => n in header || targetTypes.has(n)).map(([name, type, attrs]) => field({
      label: fieldLabel(name), control: input(name, type, attrs), name, hint: hints[name],
      wide: type === 'textarea' && name === 'notes',
    }));
    const customFields = Object.keys(d.custom || {}).map((k) => {
      const t = targetTypes.get(`custom.${k}`) || 'text';
      const type = { date: 'date', boolean: 'boolean' }[t] || 'text';
      const attrs = t === 'number' || t === 'money' ? { inputmode: 'decimal' } : {};
      return field({ label: fieldLabel(`custom.${k}`), control: input(`custom.${k}`, type, attrs), name: `custom.${k}`, hint: TYPE_LABELS[t] });
    });

    // Lines.
    const lineRows = [];
    const lineState = d.lines.map((l) => ({ line: l, removed: false }));
    const linesSlot = errorSlot('lines');
    const recompute = () => {
      const live = [];
      let dirty = headerDirty();
      for (const s of lineState) {
        const r = s.row;
        const q = r.querySelector('[data-col=quantity]').value;
        const p = r.querySelector('[data-col=unit_price]').value;
        const dp = r.querySelector('[data-col=discount_percent]').value;
        const t = dec.lineTotal(q, p, dp, cur());
        const out = r.querySelector('output');
        out.textContent = s.removed ? '—' : t ? dec.format(t, dec.minorUnits(cur())) : '?';
        if (!s.removed && t) live.push({ total: t, taxRate: s.line.tax_rate });
        if (s.removed || q !== s.line.quantity || p !== s.line.unit_price || dp !== s.line.discount_percent) dirty = true;
      }
      if (!dirty) {
        setTotals(d.totals, false);
      } else {
        setTotals({ ...dec.totals(live, cur()), currency: cur() }, true);
      }
      const left = lineState.filter((s) => !s.removed).length;
      for (const s of lineState) {
        const btn = s.row.querySelector('[data-action=remove]');
        btn.disabled = !s.removed && left <= 1;
        btn.title = btn.disabled ? 'The order needs at least one line' : '';
      }
    };
    for (const s of lineState) {
      const l = s.line;
      const name = productLabel(l.product);
      const cell = (col, label, attrs = {}) => {
        const el = h('input', {
          type: 'text', inputmode: 'decimal', name: `line:${l.opportunity_item_id}:${col}`, value: l[col], autocomplete: 'off',
          class: 'num', dataset: { col }, id: uid('line'), ...attrs,
        });
        const slot = errorSlot(`line:${l.opportunity_item_id}:${col}`);
        el.setAttribute('aria-describedby', slot.id);
        el.addEventListener('input', recompute);
        return [h('label', { for: el.id, class: 'sr-only' }, `${label} of ${name}`), el, slot];
      };
      const remove = h('button', {
        type: 'button', class: 'btn small ghost', dataset: { action: 'remove' }, 'aria-label': `Remove ${name}`,
      }, 'Remove');
      const out = h('output', { class: 'num' });
      s.row = h('tr', { dataset: { item: l.opportunity_item_id } },
        h('td', { 'data-label': 'Product' }, h('strong', null, name), l.description ? h('span', { class: 'sub' }, l.description) : null,
          errorSlot(`line:${l.opportunity_item_id}:opportunity_item_id`)),
        h('td', { 'data-label': 'Quantity', class: 'qty-col' }, cell('quantity', 'Quantity'),
          h('span', { class: 'sub' }, `of ${l.remaining_quantity} remaining`)),
        h('td', { 'data-label': 'Unit price', class: 'qty-col' }, cell('unit_price', 'Unit price')),
        h('td', { 'data-label': 'Discount %', class: 'qty-col' }, cell('discount_percent', 'Discount percent')),
        h('td', { 'data-label': 'Tax %', class: 'num-col' }, l.tax_rate),
        h('td', { 'data-label': 'Line total', class: 'num-col' }, out),
        h('td', { 'data-label': '', class: 'actions-col' }, remove));
      remove.addEventListener('click', () => {
        s.removed = !s.removed;
        s.row.classList.toggle('removed', s.removed);
        for (const i of s.row.querySelectorAll('input')) i.disabled = s.removed;
        remove.textContent = s.removed ? 'Undo remove' : 'Remove';
        remove.setAttribute('aria-label', `${s.removed ? 'Keep' : 'Remove'} ${name}`);
        recompute();
      });
      lineRows.push(s.row);
    }

    const totalsBox = h('div', { class: 'totals', 'aria-live': 'polite' });
    const setTotals = (t, estimate) => {
      const c = t.currency || '';
      totalsBox.replaceChildren(
        h('dl', null,
          h('dt', null, 'Subtotal'), h('dd', { dataset: { total: 'subtotal' } }, `${t.subtotal} ${c}`),
          h('dt', null, 'Tax'), h('dd', { dataset: { total: 'tax' } }, `${t.tax} ${c}`),
          h('dt', { class: 'grand' }, 'Total'), h('dd', { class: 'grand', dataset: { total: 'total' } }, `${t.total} ${c}`)),
        h('p', { class: ['hint', estimate && 'estimate'] }, estimate
          ? 'Estimate, updated as you type. The service computes the totals when you apply your changes or save.'
          : 'Computed by the service.'));
    };
    const headerDirty = () => [...form.querySelectorAll('[data-head]')].some((el) => value(el) !== original[el.name]);
    const value = (el) => (el.name === 'currency' ? el.value.trim().toUpperCase() : el.value);

    const apply = h('button', { type: 'button', class: 'btn', dataset: { action: 'apply' } }, 'Apply changes');
    const save = h('button', { type: 'submit', class: 'btn primary', dataset: { action: 'save' } }, 'Save order');
    add(form, 
      formAlert(),
      h('p', null, 'Edit the order as it will be saved. It is made from ',
        h('a', { href: oppPath, target: `opportunity-${oppId}`, rel: 'opener', class: 'opp-tab' }, `${d.opportunity.number} ${opp.name}`,
          h('span', { class: 'sr-only' }, ' (opens in a new tab)')), '.'),
      h('fieldset', { class: 'head-fields' }, h('legend', null, 'Order'),
        h('div', { class: 'field-grid' }, headerFields, customFields)),
      h('fieldset', { class: 'lines' }, h('legend', null, 'Lines'),
        linesSlot,
        h('div', { class: 'table-wrap' }, h('table', { class: 'grid lines-table' },
          h('thead', null, h('tr', null,
            ['Product', 'Quantity', 'Unit price', 'Discount %', 'Tax %', 'Line total', ''].map((c, i) => h('th', {
              scope: 'col', class: i >= 4 && i <= 5 ? 'num-col' : null,
            }, c || h('span', { class: 'sr-only' }, 'Remove'))))),
          h('tbody', null, lineRows))),
        totalsBox),
      h('datalist', { id: 'currencies' }, ['EUR', 'USD', 'GBP', 'CHF', 'JPY', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'CAD', 'AUD', 'CNY', 'INR', 'KWD']
        .map((c) => h('option', { value: c }))),
      h('div', { class: 'actions bar' }, nav(form, { backLabel: 'Back: products' }), h('span', { class: 'spacer' }), apply, save));
    for (const el of form.querySelectorAll('.head-fields input, .head-fields select, .head-fields textarea')) {
      el.dataset.head = '1';
      el.addEventListener('input', recompute);
      el.addEventListener('change', recompute);
    }
    recompute();

    // patch is what changed since the service's draft; sent is the lines in
    // the order sent, to put the errors of lines[i] next to their line.
    const patch = () => {
      const body = {};
      for (const el of form.querySelectorAll('[data-head]')) {
        const v = value(el);
        if (v === original[el.name]) continue;
        if (el.name.startsWith('custom.')) {
          body.custom = body.custom || {};
          body.custom[el.name.slice(7)] = v === '' ? null : v;
        } else body[el.name] = v === '' ? null : v;
      }
      const sent = [];
      for (const s of lineState) {
        const l = s.line;
        if (s.removed) {
          sent.push({ opportunity_item_id: l.opportunity_item_id, remove: true });
          continue;
        }
        const change = { opportunity_item_id: l.opportunity_item_id };
        for (const col of ['quantity', 'unit_price', 'discount_percent']) {
          const v = s.row.querySelector(`[data-col=${col}]`).value.trim();
          if (v !== l[col]) change[col] = v;
        }
        if (Object.keys(change).length > 1) sent.push(change);
      }
      if (sent.length) body.lines = sent;
      return { body, sent };
    };
    const rename = (sent) => (f) => {
      const mm = /^lines\[(\d+)\]\.(\w+)$/.exec(f);
      if (mm && sent[Number(mm[1])]) return `line:${sent[Number(mm[1])].opportunity_item_id}:${mm[2]}`;
      return f;
    };

    // send applies the edits (if any) and answers the new conversion, or
    // null after showing the refusal.
    const send = async () => {
      const { body, sent } = patch();
      if (Object.keys(body).length === 0) return conv;
      try {
        return await api.request('PATCH', `${base}/conversion/draft`, { body, version: conv.version, key: api.key() });
      } catch (p) {
        if (p.status === 401) throw p;
        await refused(p, form, rename(sent));
        return null;
      }
    };
    apply.addEventListener('click', () => busy(apply, 'Applying…', async () => {
      clearErrors(form);
      const before = conv;
      const next = await send();
      if (!next) return;
      if (next === before) {
        toast('Nothing has changed.');
        return;
      }
      notice = '';
      show(next, { focus: false });
      toast('Changes applied; the totals are the service’s.');
    }));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      busy(save, 'Saving…', async () => {
        clearErrors(form);
        const edited = await send();
        if (!edited) return;
        const changed = edited !== conv;
        if (changed) {
          conv = edited;
          remember(oppId, edited);
        }
        try {
          const next = await api.request('POST', `${base}/conversion/save`, { version: conv.version, key: api.key() });
          notice = '';
          show(next);
        } catch (p) {
          if (p.status === 401) throw p;
          if (changed) show(edited, { focus: false }); // the form shows the edits as applied
          await refused(p, root.querySelector('form.draft') || form);
        }
      });
    });
    return form;
  };

  // --- Step 4: close the opportunity? -------------------------------------

  const closeStep = () => {
    const q = conv.close_prompt || {};
    const form = h('form', { class: 'step-form', novalidate: true, dataset: { step: 'close_prompt' } });
    const yes = h('button', { type: 'button', class: 'btn primary', dataset: { action: 'close-yes' } }, 'Yes, close it as won');
    const no = h('button', { type: 'button', class: 'btn', dataset: { action: 'close-no' } }, 'No, leave it open');
    const answer = (btn, close) => step(btn, 'Saving your answer…', 'POST', '/close-decision', { close }, form);
    yes.addEventListener('click', () => answer(yes, true));
    no.addEventListener('click', () => answer(no, false));
    const [backBtn, cancelBtn] = nav(form);
    add(form, 
      formAlert(),
      savedOrder(),
      h('div', { class: 'card question', role: 'group', 'aria-labelledby': 'close-q' },
        h('h2', { id: 'close-q' }, q.question || `Close opportunity ${opp.number} as won?`),
        h('p', null, `You may close it: you are ${conv.opportunity && ctx.me.id === conv.opportunity.owner.id ? 'its owner' : 'an admin'}, and it is still open.`),
        h('div', { class: 'actions' }, yes, no)),
      h('div', { class: 'actions bar' }, backBtn, cancelBtn,
        h('p', { class: 'hint' }, 'The order is saved: the conversion can no longer go back or be cancelled.')));
    return form;
  };

  const savedOrder = () => conv.order && h('div', { class: 'success', role: 'status' },
    h('p', null, h('strong', null, `Order ${conv.order.number} is saved.`), ' ',
      h('a', { href: `/app/orders/${encodeURIComponent(conv.order.id)}`, dataset: { order: conv.order.number } }, `Open order ${conv.order.number}`)));

  // --- The result -------------------------------------------------------------

  const result = () => {
    if (conv.step === 'completed' && conv.order) {
      const cp = conv.close_prompt;
      const owner = conv.opportunity ? nameOf(conv.opportunity.owner) : '';
      let outcome;
      if (cp && cp.answer === true) outcome = cp.closed ? `${opp.number} is closed as won.` : `${opp.number} was not closed: ${cp.note || 'it was no longer open'}.`;
      else if (cp && cp.answer === false) outcome = `${opp.number} stays open.`;
      else if (conv.opportunity && conv.opportunity.status !== 'open') outcome = `${opp.number} was already ${statusLabel(conv.opportunity.status).toLowerCase()}: there was nothing to close.`;
      else outcome = `${opp.number} stays open: only its owner${owner ? ` (${owner})` : ''} or an admin may close it.`;
      return h('div', { class: 'result' },
        h('div', { class: 'success big', role: 'status' },
          h('h2', null, `Order ${conv.order.number} created`),
          h('p', null, outcome),
          h('p', null, h('a', { class: 'btn primary', href: `/app/orders/${encodeURIComponent(conv.order.id)}`, dataset: { order: conv.order.number } },
            `Open order ${conv.order.number}`))),
        h('p', { class: 'actions' },
          h('a', { class: 'btn', href: '/app/' }, 'My conversions'),
          h('a', { class: 'btn ghost', href: oppPath }, `Back to ${opp.number}`)));
    }
    const what = { cancelled: 'This conversion was cancelled: no order was made.', expired: 'This conversion expired after waiting too long: no order was made.' }[conv.step]
      || `This conversion ended (${conv.step}).`;
    return h('div', { class: 'card' }, h('p', null, what),
      h('p', { class: 'actions' }, h('a', { class: 'btn', href: oppPath }, `Back to ${opp.number}`)));
  };

  root.replaceChildren(...view());
  return root;
}

