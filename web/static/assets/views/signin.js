// Sign-in. In `crmconvert dev` the API offers the demo users (GET
// /dev/users) and issues a token for the one picked (POST /dev/token).
// Elsewhere those endpoints do not exist, and the token comes from the CRM
// that opens the page (#token=... in the address; see auth.js).

import * as api from '../api.js';
import * as auth from '../auth.js';
import { h, add, append, field, formAlert, showErrors, busy, uid } from '../dom.js';

export default async function signinView(ctx) {
  ctx.setTitle('Sign in');
  let next = ctx.query.get('next') || '/app/';
  if (!next.startsWith('/app/') || next.startsWith('/app/signin')) next = '/app/';
  const notice = ctx.session.notice;
  ctx.session.notice = '';

  let users = null;
  try {
    users = (await api.get('/dev/users', { auth: false })).users;
  } catch {
    users = null; // not development mode
  }

  const page = h('section', { class: 'page narrow' });
  const noticeEl = notice ? h('div', { class: 'alert', role: 'alert' }, notice) : null;

  if (!users) {
    append(page, [
      h('h1', null, 'Sign in through your CRM'),
      noticeEl,
      h('p', null, 'These pages take your sign-in from the CRM: open them with the CRM’s “Convert to Order” button, or from one of its links to an order or a conversion.'),
      h('p', { class: 'hint' }, 'If you came from the CRM and see this page, your sign-in may have expired: go back to the CRM and open the page again.')]);
    return page;
  }

  const form = h('form', { class: 'card', novalidate: true });
  const legendId = uid('legend');
  const list = h('div', { class: 'choices', role: 'radiogroup', 'aria-labelledby': legendId });
  users.forEach((u, i) => {
    const id = uid('user');
    list.append(h('div', { class: 'choice' },
      h('input', { type: 'radio', name: 'user', id, value: u.id, checked: i === 0 }),
      h('label', { for: id },
        h('span', { class: 'choice-title' }, `${u.name}`),
        h('span', { class: 'choice-meta' },
          `${u.email} · ${u.organization} · ${u.role} · ${u.permissions.length ? u.permissions.join(', ') : 'no permissions'}`))));
  });
  const other = h('input', { type: 'text', name: 'user_id', autocomplete: 'off', spellcheck: 'false', placeholder: 'b0000000-…' });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Sign in');
  add(form, 
    formAlert(),
    h('fieldset', null, h('legend', { id: legendId }, 'Demo user'), list,
      h('p', { class: 'field-error', hidden: true, dataset: { errorFor: 'user_id' }, id: uid('err') })),
    h('details', null, h('summary', null, 'Another user (from dev --seed)'),
      field({ label: 'User id', control: other, hint: 'Any active user of the database, by id. Leave empty to use the user picked above.', name: 'user_id_other' })),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const picked = form.querySelector('input[name=user]:checked');
    const userID = other.value.trim() || (picked && picked.value) || '';
    await busy(submit, 'Signing in…', async () => {
      try {
        const res = await api.request('POST', '/dev/token', { body: { user_id: userID }, auth: false });
        auth.set(res.token);
        ctx.session.me = null;
        ctx.navigate(next, { replace: true });
      } catch (p) {
        showErrors(form, p, (f) => (f === 'user_id' && other.value.trim() ? 'user_id_other' : f));
      }
    });
  });

  append(page, [
    h('h1', null, 'Sign in'),
    noticeEl,
    h('p', null, 'Development mode (', h('code', null, 'crmconvert dev'), '): pick a demo user. The server issues a token for them; it is kept in this browser tab only.'),
    form]);
  return page;
}
