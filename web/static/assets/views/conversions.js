// My conversions: the caller's unfinished conversions, newest activity
// first (GET /v1/conversions), each with a Resume button.

import * as api from '../api.js';
import { h, table, row, timeEl, uid } from '../dom.js';
import { STEPS, stepLabel } from '../labels.js';

const columns = [
  { label: 'Opportunity' },
  { label: 'Customer' },
  { label: 'Step' },
  { label: 'Last activity' },
  { label: 'Expires' },
  { label: 'Action', class: 'actions-col' },
];

export default async function conversionsView(ctx) {
  ctx.setTitle('My conversions');
  const step = ctx.query.get('step') || '';
  const first = await api.get(`/v1/conversions${api.qs({ step, limit: 50 })}`);

  const stepSelect = h('select', { id: uid('step'), name: 'step' },
    h('option', { value: '' }, 'All steps'),
    STEPS.map((s) => h('option', { value: s.step, selected: s.step === step }, stepLabel(s.step))));
  stepSelect.addEventListener('change', () => {
    ctx.navigate(`/app/${api.qs({ step: stepSelect.value })}`, { replace: true });
  });

  const tbody = [];
  const tableEl = table({ caption: 'Unfinished conversions', columns, rows: tbody, className: 'conversions' });
  const body = tableEl.querySelector('tbody');
  const more = h('button', { type: 'button', class: 'btn' }, 'Show more');
  let next = null;

  const add = (list) => {
    for (const c of list) body.append(conversionRow(c));
    more.hidden = !next;
  };
  more.addEventListener('click', async () => {
    const page = api.list(await api.get(`/v1/conversions${api.qs({ step, limit: 50, cursor: next })}`), 'conversions');
    next = page.next;
    add(page.rows);
  });
  const firstPage = api.list(first, 'conversions');
  next = firstPage.next;
  add(firstPage.rows);

  const empty = firstPage.rows.length === 0;
  return h('section', { class: 'page' },
    h('div', { class: 'page-head' },
      h('h1', null, 'My conversions'),
      h('a', { class: 'btn primary', href: '/app/opportunities' }, 'Convert an opportunity')),
    h('p', { class: 'lead' }, 'The conversions you started and have not finished, newest activity first. Each waits for you until it expires: resume it where you left it.'),
    h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() },
      h('div', { class: 'field inline' }, h('label', { for: stepSelect.id }, 'Step'), stepSelect)),
    empty
      ? h('div', { class: 'empty' },
        h('p', null, step ? 'No conversion waits at this step.' : 'You have no conversion under way.'),
        h('p', null, h('a', { href: '/app/opportunities' }, 'Find an opportunity to convert')))
      : [tableEl, h('p', { class: 'actions' }, more)],
    h('p', { class: 'hint' }, 'A step you took a moment ago may take a second to show here.'));
}

function conversionRow(c) {
  const opp = c.opportunity || {};
  const label = `${opp.number || ''} ${opp.name || ''}`.trim();
  return row(columns, [
    h('a', { href: `/app/opportunities/${encodeURIComponent(opp.id)}` }, h('span', { class: 'num' }, opp.number), ' ', opp.name),
    c.customer_name || '—',
    h('span', { class: `step step-${c.step}` }, stepLabel(c.step)),
    timeEl(c.updated_at),
    timeEl(c.expires_at),
    h('a', {
      class: 'btn primary small',
      href: `/app/opportunities/${encodeURIComponent(opp.id)}/convert`,
      'aria-label': `Resume the conversion of ${label}`,
    }, 'Resume'),
  ], { dataset: { workflow: c.workflow_id } });
}
