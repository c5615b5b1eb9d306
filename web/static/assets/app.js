// The pages' entry point: sign-in state, the router and the frame around
// the views. Routes are real paths under /app/ (the server answers each
// with this page), so every view can be bookmarked, reloaded and opened in
// a new tab.

import * as auth from './auth.js';
import * as api from './api.js';
import { h, toast } from './dom.js';
import conversionsView from './views/conversions.js';
import { searchView, opportunityView } from './views/opportunities.js';
import wizardView from './views/wizard.js';
import orderView from './views/order.js';
import signinView from './views/signin.js';

const routes = [
  { path: /^\/app\/?$/, view: conversionsView, nav: 'conversions' },
  { path: /^\/app\/signin$/, view: signinView, public: true },
  { path: /^\/app\/opportunities$/, view: searchView, nav: 'opportunities' },
  { path: /^\/app\/opportunities\/([^/]+)$/, view: opportunityView, nav: 'opportunities' },
  { path: /^\/app\/opportunities\/([^/]+)\/convert$/, view: wizardView, nav: 'opportunities' },
  { path: /^\/app\/orders\/([^/]+)$/, view: orderView },
];

// session is who is signed in (GET /v1/me), and why they were signed out.
export const session = { me: null, notice: '' };

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
}

function setTitle(title) {
  document.title = `${title} · Convert to Order`;
}

function signOut(notice = '') {
  auth.clear();
  session.me = null;
  session.notice = notice;
  showWho();
  navigate('/app/signin', { replace: true });
}

api.onUnauthorized((p) => {
  const here = location.pathname + location.search;
  auth.clear();
  session.me = null;
  session.notice = `You are signed out: ${p.detail || 'the sign-in is no longer valid'}.`;
  showWho();
  if (!location.pathname.startsWith('/app/signin')) {
    navigate(`/app/signin?next=${encodeURIComponent(here)}`, { replace: true });
  }
});

function showWho() {
  const who = document.getElementById('who');
  const nav = document.getElementById('nav');
  const me = session.me;
  nav.hidden = !me;
  who.hidden = !me;
  if (!me) {
    who.replaceChildren();
    return;
  }
  who.replaceChildren(
    h('span', { class: 'me' }, h('span', { class: 'me-name' }, me.name), h('span', { class: 'me-role' }, ` · ${me.role}`)),
    h('button', { type: 'button', class: 'btn small ghost', onclick: () => signOut() }, 'Sign out'),
  );
}

function markNav(name) {
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

let renderSeq = 0;
let firstRender = true;

async function render() {
  renderSeq += 1;
  const seq = renderSeq;
  const url = new URL(location.href);
  const main = document.getElementById('main');
  const route = routes.find((r) => r.path.test(url.pathname));
  if (!route) {
    setTitle('Not found');
    main.replaceChildren(h('section', { class: 'page' },
      h('h1', { tabindex: '-1' }, 'There is no such page'),
      h('p', null, h('a', { href: '/app/' }, 'Go to My conversions'))));
    focusHeading(main);
    return;
  }
  if (!route.public && !auth.get()) {
    navigate(`/app/signin?next=${encodeURIComponent(url.pathname + url.search)}`, { replace: true });
    return;
  }
  if (!route.public && !session.me) {
    try {
      session.me = await api.get('/v1/me');
    } catch (p) {
      if (seq !== renderSeq || p.status === 401) return; // 401: onUnauthorized moved on
      main.replaceChildren(errorView(p));
      return;
    }
    if (seq !== renderSeq) return;
    showWho();
  }
  markNav(route.nav);
  const params = url.pathname.match(route.path).slice(1).map(decodeURIComponent);
  const ctx = {
    params,
    query: url.searchParams,
    me: session.me,
    session,
    navigate,
    setTitle,
    current: () => seq === renderSeq,
    refresh: render,
  };
  if (!firstRender) main.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
  try {
    const node = await route.view(ctx);
    if (seq !== renderSeq) return;
    main.replaceChildren(node);
  } catch (e) {
    if (seq !== renderSeq) return;
    if (e instanceof api.Problem && e.status === 401) return;
    if (!(e instanceof api.Problem)) console.error(e); // eslint-disable-line no-console
    main.replaceChildren(errorView(e));
  }
  firstRender = false;
  focusHeading(main);
}

// focusHeading moves the focus to the new view's heading, so that a screen
// reader announces it and Tab starts from the top of the view.
function focusHeading(main) {
  const h1 = main.querySelector('h1');
  if (!h1) return;
  h1.setAttribute('tabindex', '-1');
  h1.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

function errorView(e) {
  const p = e instanceof api.Problem ? e : new api.Problem(0, { title: 'Something went wrong on this page', detail: String(e?.message || e) });
  setTitle(p.title);
  return h('section', { class: 'page' },
    h('h1', { tabindex: '-1' }, p.status === 404 ? 'Not found' : p.status === 403 ? 'Not allowed' : 'Something went wrong'),
    h('div', { class: 'alert', role: 'alert' },
      h('strong', null, p.title), p.detail ? ` ${p.detail}` : null,
      p.requestId ? h('p', { class: 'hint' }, `Request id ${p.requestId}`) : null),
    h('p', { class: 'actions' },
      h('button', { type: 'button', class: 'btn', onclick: () => render() }, 'Try again'),
      h('a', { class: 'btn ghost', href: '/app/' }, 'My conversions')));
}

// Links to /app/ paths change the view without loading the page again.
document.addEventListener('click', (ev) => {
  if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  const a = ev.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith('/app/')) return;
  ev.preventDefault();
  navigate(url.pathname + url.search + url.hash);
});

window.addEventListener('popstate', () => render());

window.addEventListener('unhandledrejection', (ev) => {
  if (ev.reason instanceof api.Problem) {
    toast(`${ev.reason.title}${ev.reason.detail ? `: ${ev.reason.detail}` : ''}`);
  }
});

auth.takeFromFragment();
render();
