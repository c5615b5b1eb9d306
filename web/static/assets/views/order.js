// The Order page: the order with its items and totals, its opportunity with
// a pencil to set or change it (search by keyword, and close it as won in
// the same request when allowed; SPEC 4.3 and the seed's second
// procedure), and its change log.

import * as api from '../api.js';
import {
  h, dl, table, row, uid, timeEl, busy, formAlert, showErrors, clearErrors, errorSlot, toast,
} from '../dom.js';
import { fieldLabel, statusLabel, humanize } from '../labels.js';
import { nameOf, productLabel, fmtValue } from './opportunities.js';
import { changeLog } from './changes.js';

const itemColumns = [
  { label: '#', class: 'num-col' },
  { label: 'Product' },
  { label: 'Description' },
  { label: 'Quantity', class: 'num-col' },
  { label: 'Unit price', class: 'num-col' },
  { label: 'Discount %', class: 'num-col' },
  { label: 'Tax %', class: 'num-col' },
  { label: 'Line total', class: 'num-col' },
];

export default async function orderView(ctx) {
  const id = ctx.params[0];
  const path = `/v1/orders/${encodeURIComponent(id)}`;
  const order = await api.get(path);
  ctx.setTitle(`Order ${order.number}`);
  const me = ctx.me;
  const mayLink = (me.permissions || []).includes('order:update');
  const t = order.totals || {};

  const opp = order.opportunity;
  const oppValue = opp
    ? h('a', { href: `/app/opportunities/${encodeURIComponent(opp.id)}`, class: 'opp-link', dataset: { opportunity: opp.number } },
      h('span', { class: 'num' }, opp.number), ` ${opp.name || ''}`)
    : h('span', { class: 'muted', dataset: { opportunity: '' } }, 'None');
  const pencil = mayLink
    ? h('button', {
      type: 'button', class: 'pencil', dataset: { action: 'edit-opportunity' },
      'aria-label': opp ? 'Change the opportunity of this order' : 'Set the opportunity of this order',
      title: opp ? 'Change the opportunity' : 'Set the opportunity',
    }, h('span', { 'aria-hidden': 'true' }, '✎'))
    : null;
  if (pencil) pencil.addEventListener('click', () => linkDialog(ctx, order, () => ctx.refresh()));

  const custom = Object.entries(order.custom || {}).map(([k, v]) => [fieldLabel(`custom.${k}`), fmtValue(v)]);
  return h('section', { class: 'page' },
    h('div', { class: 'page-head' },
      h('div', null,
        h('p', { class: 'eyebrow' }, 'Order'),
        h('h1', null, h('span', { class: 'num' }, order.number), order.title ? ` ${order.title}` : ''),
        h('p', null, h('span', { class: `badge status-${order.status}` }, humanize(order.status))))),
    h('div', { class: 'columns' },
      h('section', { class: 'card', 'aria-labelledby': 'order-details' },
        h('h2', { id: 'order-details' }, 'Details'),
        mayLink ? null : h('p', { class: 'hint' }, 'Setting the opportunity needs the permission to modify orders (order:update).'),
        withFirst(h('div', { class: 'editable', dataset: { field: 'opportunity' } },
          h('dt', null, 'Opportunity'),
          h('dd', null, oppValue, pencil)), dl([
          ['Customer', nameOf(order.customer)],
          ['Contact', order.contact_name],
          ['Order date', order.order_date],
          ['Delivery date', order.delivery_date],
          ['Currency', order.currency],
          ['Payment terms', order.payment_terms],
          ['Shipping address', order.shipping_address],
          ['Billing address', order.billing_address],
          ['Notes', order.notes],
          ['Created', [timeEl(order.created_at, { relative: false }), order.created_by ? ` by ${nameOf(order.created_by)}` : '']],
          ...custom,
        ]))),
      h('section', { class: 'card', 'aria-labelledby': 'order-items' },
        h('h2', { id: 'order-items' }, 'Items'),
        table({
          caption: 'Order lines',
          columns: itemColumns,
          rows: (order.items || []).map((it, i) => row(itemColumns, [
            String(it.position || i + 1), productLabel(it.product), it.description || '—', it.quantity,
            it.unit_price, it.discount_percent, it.tax_rate, it.line_total])),
        }),
        h('dl', { class: 'totals' },
          h('dt', null, 'Subtotal'), h('dd', null, `${t.subtotal} ${t.currency}`),
          h('dt', null, 'Tax'), h('dd', null, `${t.tax} ${t.currency}`),
          h('dt', { class: 'grand' }, 'Total'), h('dd', { class: 'grand' }, `${t.total} ${t.currency}`)))),
    await changeLog(`${path}/changes`));
}

// withFirst puts a first entry into a list of facts.
function withFirst(entry, list) {
  list.prepend(entry);
  return list;
}

// linkDialog lets the user pick the order's opportunity by keyword, or none,
// and close it as won when they may (its owner or an admin, while open).
function linkDialog(ctx, order, done) {
  const me = ctx.me;
  const titleId = uid('dlg');
  const input = h('input', { type: 'search', id: uid('q'), name: 'q', autocomplete: 'off', maxlength: '100' });
  const searchBtn = h('button', { type: 'button', class: 'btn' }, 'Search');
  const results = h('div', { class: 'choices', role: 'radiogroup', 'aria-labelledby': `${titleId}-found` });
  const found = h('p', { id: `${titleId}-found`, class: 'hint', 'aria-live': 'polite' }, 'Search by number, name or customer.');
  const close = h('input', { type: 'checkbox', id: uid('close'), name: 'close_opportunity', disabled: true });
  const closeHint = h('p', { class: 'hint', id: `${close.id}-hint` }, 'Pick an opportunity first.');
  close.setAttribute('aria-describedby', `${close.id}-hint`);
  const save = h('button', { type: 'submit', class: 'btn primary', disabled: true }, 'Save');
  const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
  const hits = new Map();
  const form = h('form', { method: 'dialog', novalidate: true },
    h('h2', { id: titleId }, `Opportunity of order ${order.number}`),
    formAlert(),
    h('div', { class: 'field' }, h('label', { for: input.id }, 'Find an opportunity'),
      h('div', { class: 'search-row' }, input, searchBtn)),
    found,
    results,
    errorSlot('opportunity_id'),
    h('div', { class: 'check' }, close, h('label', { for: close.id }, 'Also close this opportunity as won')),
    closeHint,
    errorSlot('close_opportunity'),
    h('div', { class: 'actions' }, save, cancel));
  const dlg = h('dialog', { class: 'dialog wide', 'aria-labelledby': titleId }, form);

  const picked = () => results.querySelector('input[name=opportunity]:checked');
  const onPick = () => {
    const r = picked();
    save.disabled = !r;
    const hit = r && hits.get(r.value);
    let why = '';
    if (!r) why = 'Pick an opportunity first.';
    else if (!hit) why = 'No opportunity to close.';
    else if (hit.status !== 'open') why = `${hit.number} is ${statusLabel(hit.status).toLowerCase()} already.`;
    else if (!(me.role === 'admin' || (hit.owner && hit.owner.id === me.id) || hit.owner_id === me.id)) {
      why = `Only its owner (${nameOf(hit.owner, hit.owner_name)}) or an admin may close it.`;
    }
    close.disabled = !!why;
    if (why) close.checked = false;
    closeHint.textContent = why || `${hit.number} is open and you may close it.`;
  };
  const choice = (value, title, meta, checked) => {
    const rid = uid('opp');
    return h('div', { class: 'choice' },
      h('input', { type: 'radio', name: 'opportunity', id: rid, value, checked, onchange: onPick }),
      h('label', { for: rid }, h('span', { class: 'choice-title' }, title), meta ? h('span', { class: 'choice-meta' }, meta) : null));
  };
  const search = async () => {
    await busy(searchBtn, 'Searching…', async () => {
      clearErrors(form);
      try {
        const body = await api.get(`/v1/opportunities${api.qs({ q: input.value.trim() })}`);
        const { rows } = api.list(body, 'opportunities', 'results', 'items');
        hits.clear();
        const current = order.opportunity && order.opportunity.id;
        const list = rows.map((o) => {
          hits.set(o.id, o);
          return choice(o.id, `${o.number} ${o.name}`,
            [nameOf(o.customer, o.customer_name), statusLabel(o.status), nameOf(o.owner, o.owner_name) && `owner ${nameOf(o.owner, o.owner_name)}`,
              o.id === current ? 'linked now' : ''].filter(Boolean).join(' · '), false);
        });
        if (current) list.push(choice('', 'No opportunity', 'Remove the link', false));
        results.replaceChildren(...list);
        found.textContent = rows.length ? `${rows.length} opportunit${rows.length === 1 ? 'y' : 'ies'} found.` : 'No opportunity matches.';
        onPick();
      } catch (p) {
        if (p.status === 401) {
          dlg.close();
          throw p;
        }
        showErrors(form, p);
      }
    });
  };
  searchBtn.addEventListener('click', search);
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      search();
    }
  });
  cancel.addEventListener('click', () => dlg.close());
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const r = picked();
    if (!r) return;
    busy(save, 'Saving…', async () => {
      try {
        await api.request('PUT', `/v1/orders/${encodeURIComponent(order.id)}/opportunity`, {
          body: { opportunity_id: r.value || null, close_opportunity: close.checked },
        });
        dlg.close();
        const hit = hits.get(r.value);
        toast(hit ? `Order ${order.number} is linked to ${hit.number}${close.checked ? ', which is closed as won' : ''}.` : `Order ${order.number} has no opportunity now.`);
        done();
      } catch (p) {
        if (p.status === 401) {
          dlg.close();
          throw p;
        }
        showErrors(form, p);
      }
    });
  });
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
  input.focus();
}
