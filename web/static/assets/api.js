// The JSON API, with the bearer token. Every error answer is an RFC 9457
// problem; it is thrown as a Problem, whose errors[] name the fields at fault.

import * as auth from './auth.js';

export class Problem extends Error {
  constructor(status, body) {
    const b = body && typeof body === 'object' ? body : {};
    super(b.detail || b.title || `HTTP ${status}`);
    this.status = status;
    this.type = b.type || '';
    this.title = b.title || (status ? `The service answered ${status}` : 'The service cannot be reached');
    this.detail = b.detail || '';
    this.errors = Array.isArray(b.errors) ? b.errors : [];
    this.requestId = b.request_id || '';
    this.retryAfter = 0;
  }
}

// onUnauthorized is called when the API refuses the token (401).
let unauthorized = () => {};
export function onUnauthorized(fn) {
  unauthorized = fn;
}

// key makes an Idempotency-Key: a repeated request with it applies once.
export function key() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

// request sends a request to the API and returns its JSON body, or throws
// a Problem. opts: body (sent as JSON), version (sent as If-Match), key
// (sent as Idempotency-Key), auth (false: no token).
export async function request(method, path, opts = {}) {
  const headers = { Accept: 'application/json' };
  const token = auth.get();
  if (token && opts.auth !== false) headers.Authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (opts.version != null) headers['If-Match'] = `"${opts.version}"`;
  if (opts.key) headers['Idempotency-Key'] = opts.key;
  let resp;
  try {
    resp = await fetch(path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      cache: 'no-store',
      credentials: 'omit',
      redirect: 'error',
    });
  } catch {
    throw new Problem(0, { title: 'The service cannot be reached', detail: 'check the connection and try again' });
  }
  const text = await resp.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!resp.ok) {
    const p = new Problem(resp.status, data || { title: resp.statusText });
    p.retryAfter = Number(resp.headers.get('Retry-After')) || 0;
    if (resp.status === 401 && opts.auth !== false) unauthorized(p);
    throw p;
  }
  return data;
}

export const get = (path, opts) => request('GET', path, opts);

// qs makes a query string of the values that are set.
export function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v != null && v !== '') p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

// list reads a list answer whatever its array is called ("conversions",
// "opportunities", "orders", "changes", "entries", "items"), with its cursor.
export function list(body, ...names) {
  if (Array.isArray(body)) return { rows: body, next: null };
  for (const n of names) if (body && Array.isArray(body[n])) return { rows: body[n], next: body.next_cursor || null };
  return { rows: [], next: null };
}
