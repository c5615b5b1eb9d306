// The bearer token. The CRM that embeds these pages passes it in the URL
// fragment, /app/<route>#token=<JWT>: a fragment is never sent to a server,
// so it stays out of access logs and Referer headers. The page moves it to
// sessionStorage (this tab only, gone when the tab closes) and removes it
// from the address bar and the history at once. In `crmconvert dev` the
// sign-in page gets one from POST /dev/token instead.

const KEY = 'crmconvert.token';

// takeFromFragment stores a token passed in the URL fragment and removes
// it from the address; it returns true when there was one.
export function takeFromFragment() {
  if (!location.hash || location.hash.length < 2) return false;
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token');
  if (!token) return false;
  params.delete('token');
  const rest = params.toString();
  history.replaceState(history.state, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
  set(token.trim());
  return true;
}

export function get() {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return memory;
  }
}

let memory = null; // when sessionStorage is unavailable (a sandboxed frame)

export function set(token) {
  memory = token;
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // kept in memory only
  }
}

export function clear() {
  memory = null;
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing stored
  }
}
