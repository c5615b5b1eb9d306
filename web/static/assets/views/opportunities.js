// Opportunities: keyword search (GET /v1/opportunities?q=) and one
// opportunity's details, items with their remaining quantities, the orders
// made from it, and the "Convert to Order" button (seed step 1).

import * as api from '../api.js';
import { h, dl, table, row, uid, timeEl, ago, busy, formAlert, showErrors } from '../dom.js';
import { fieldLabel, statusLabel, stepLabel, humanize } from '../labels.js';
import { remember } from './wizard.js';
import { changeLog } from './changes.js';

const hitColumns = [
  { label: 'Number' },
  { label: 'Name' },
  { label: 'Customer' },
  { label: 'Owner' },
  { label: 'Status' },
  { label: 'Amount', class: 'num-col' },
  { label: 'Expected close' },
];

// ref reads a name that the API may give as an object or a flat field.
export const nameOf = (obj, flat) => (obj && typeof obj === 'object' ? obj.name : obj) || flat || '';

export async function searchView(ctx) {
  ctx.setTitle('Opportunities');
  const q = ctx.query.get('q') || '';
  const input = h('input', { type: 'search', id: uid('q'), name: 'q', value: q, autocomplete: 'off', maxlength: '100' });
  const form = h('form', { role: 'search', class: 'search', 'aria-label': 'Opportunities' },
    h('label', { for: input.id }, 'Keyword'),
    h('div', { class: 'search-row' }, input, h('button', { type: 'submit', class: 'btn primary' }, 'Search')),
    h('p', { class: 'hint' }, 'Part of the number, the name or the customer’s name. Empty lists every opportunity.'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.navigate(`/app/opportunities${api.qs({ q: input.value.trim() })}`);
  });

  let results;
  try {
    const first = await api.get(`/v1/opportunities${api.qs({ q })}`);
    let { rows, next } = api.list(first, 'opportunities', 'results', 'items');
    const tableEl = table({ caption: q ? `Opportunities matching “${q}”` : 'All opportunities', columns: hitColumns, rows: [], className: 'hits' });
    const body = tableEl.querySelector('tbody');
    const more = h('button', { type: 'button', class: 'btn' }, 'Show more');
    const add = (list) => {
      for (const o of list) body.append(hitRow(o));
      more.hidden = !next;
    };
    more.addEventListener('click', async () => {
      const page = await api.get(`/v1/opportunities${api.qs({ q, cursor: next })}`);
      ({ rows, next } = api.list(page, 'opportunities', 'results', 'items'));
      add(rows);
    });
    add(rows);
    results = rows.length
      ? [tableEl, h('p', { class: 'actions' }, more)]
      : h('div', { class: 'empty' }, h('p', null, q ? `No opportunity matches “${q}”.` : 'There are no opportunities.'));
  } catch (p) {
    if (p.status === 401) throw p;
    results = h('div', { class: 'alert', role: 'alert' }, h('strong', null, p.title), ` ${p.detail || ''}`);
  }

  return h('section', { class: 'page' },
    h('h1', null, 'Opportunities'),
    form,
    h('div', { class: 'results', 'aria-live': 'polite' }, results));
}

function hitRow(o) {
  return row(hitColumns, [
    h('a', { href: `/app/opportunities/${encodeURIComponent(o.id)}`, class: 'num' }, o.number),
    h('a', { href: `/app/opportunities/${encodeURIComponent(o.id)}` }, o.name),
    nameOf(o.customer, o.customer_name) || '—',
    nameOf(o.owner, o.owner_name) || '—',
    h('span', { class: `badge status-${o.status}` }, statusLabel(o.status)),
    o.amount != null ? `${o.amount} ${o.currency || ''}` : '—',
    o.expected_close_date || '—',
  ]);
}

const itemColumns = [
  { label: 'Product' },
  { label: 'Description' },
  { label: 'Quantity', class: 'num-col' },
  { label: 'Remaining', class: 'num-col' },
  { label: 'Unit price', class: 'num-col' },
  { label: 'Discount %', class: 'num-col' },
  { label: 'Tax %', class: 'num-col' },
];

const orderColumns = [
  { label: 'Order' },
  { label: 'Title' },
  { label: 'Date' },
  { label: 'Status' },
  { label: 'Total', class: 'num-col' },
];

export const productLabel = (p) => (p ? `${p.name}${p.sku ? ` (${p.sku})` : ''}` : 'No product');

export async function opportunityView(ctx) {
  const id = ctx.params[0];
  const [opp, active] = await Promise.all([
    api.get(`/v1/opportunities/${encodeURIComponent(id)}`),
    api.get(`/v1/opportunities/${encodeURIComponent(id)}/conversion`).then(
      (conv) => ({ conv }),
      (p) => (p.status === 401 ? Promise.reject(p) : { problem: p })),
  ]);
  ctx.setTitle(`${opp.number} ${opp.name}`);

  const me = ctx.me;
  const items = opp.items || [];
  const remaining = items.some((it) => Number(it.remaining_quantity) > 0);
  const underWay = active.conv && active.conv.status === 'open';
  const mine = underWay && active.conv.started_by && active.conv.started_by.id === me.id;
  let reason = '';
  if (!(me.permissions || []).includes('order:create')) {
    reason = 'You need the permission to add orders (order:create) to convert opportunities.';
  } else if (items.length === 0) {
    reason = 'Opportunities without any details cannot be converted: complete the data first.';
  } else if (!remaining && !mine) {
    reason = 'Every item has been ordered already: nothing is left to convert.';
  }
  const reasonId = uid('reason');
  const convertBtn = h('button', {
    type: 'button',
    class: 'btn primary',
    disabled: !!reason,
    'aria-describedby': reasonId,
    dataset: { action: 'convert' },
  }, mine ? 'Resume conversion' : 'Convert to Order');
  let note = reason;
  if (!reason && mine) {
    note = `You started converting it ${ago(active.conv.started_at)}; it waits at ${stepLabel(active.conv.step)}.`;
  } else if (!reason && underWay) {
    note = `${nameOf(active.conv.started_by)} is converting this opportunity (started ${ago(active.conv.started_at)}).`;
  } else if (!reason && active.problem && active.problem.status === 403) {
    note = 'Someone else is converting this opportunity.';
  }
  const alert = formAlert();
  const head = h('div', { class: 'page-head' },
    h('div', null,
      h('p', { class: 'eyebrow' }, 'Opportunity ', h('span', { class: 'num' }, opp.number)),
      h('h1', null, opp.name),
      h('p', null, h('span', { class: `badge status-${opp.status}` }, statusLabel(opp.status)))),
    h('div', { class: 'head-action' }, convertBtn, h('p', { class: 'reason', id: reasonId }, note), alert));

  convertBtn.addEventListener('click', () => busy(convertBtn, 'Opening…', async () => {
    try {
      const conv = await api.request('POST', `/v1/opportunities/${encodeURIComponent(id)}/conversion`, { key: api.key() });
      remember(id, conv);
      ctx.navigate(`/app/opportunities/${encodeURIComponent(id)}/convert`);
    } catch (p) {
      if (p.status === 401) throw p;
      showErrors(head, p);
    }
  }));

  const custom = Object.entries(opp.custom || {}).map(([k, v]) => [fieldLabel(`custom.${k}`), fmtValue(v)]);
  const page = h('section', { class: 'page' },
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '/app/opportunities' }, 'Opportunities'), ' › ', opp.number),
    head,
    h('div', { class: 'columns' },
      h('section', { class: 'card', 'aria-labelledby': 'opp-details' },
        h('h2', { id: 'opp-details' }, 'Details'),
        dl([
          ['Customer', nameOf(opp.customer)],
          ['Contact', opp.contact_name],
          ['Owner', nameOf(opp.owner)],
          ['Currency', opp.currency],
          ['Amount', opp.amount != null ? `${opp.amount} ${opp.currency}` : null],
          ['Expected close', opp.expected_close_date],
          ['Payment terms', opp.payment_terms],
          ['Shipping address', opp.shipping_address],
          ['Billing address', opp.billing_address],
          ['Description', opp.description],
          opp.closed_at ? ['Closed', [timeEl(opp.closed_at, { relative: false }), opp.closed_by ? ` by ${nameOf(opp.closed_by)}` : '']] : null,
          ...custom,
        ])),
      h('section', { class: 'card', 'aria-labelledby': 'opp-items' },
        h('h2', { id: 'opp-items' }, 'Items'),
        items.length
          ? table({
            caption: 'Items and what remains to order',
            columns: itemColumns,
            rows: items.map((it) => row(itemColumns, [
              productLabel(it.product), it.description || '—', it.quantity,
              h('strong', null, it.remaining_quantity), it.unit_price, it.discount_percent, it.tax_rate])),
          })
          : h('p', { class: 'empty' }, 'This opportunity has no items (details).'),
        h('h2', null, 'Orders made from it'),
        (opp.orders || []).length
          ? table({
            caption: 'Orders',
            columns: orderColumns,
            rows: opp.orders.map((o) => row(orderColumns, [
              h('a', { href: `/app/orders/${encodeURIComponent(o.id)}`, class: 'num' }, o.number),
              o.title || '—', o.order_date, humanize(o.status), `${o.total} ${o.currency}`])),
          })
          : h('p', { class: 'empty' }, 'No order yet.'))),
    await changeLog(`/v1/opportunities/${encodeURIComponent(id)}/changes`));
  return page;
}

export function fmtValue(v) {
  if (v === true) return 'Yes';
  if (v === false) return 'No';
  if (v == null) return null;
  return String(v);
}
