// The daemon's HTTP API, called with the console's session cookie. Requests that change something carry the
// session's CSRF token; every failure becomes an ApiError whose message is the API's own.

let csrf = null;
let onLoggedOut = () => {};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Called with a message when the session is gone (expired, daemon restarted, logged out elsewhere). */
export function whenLoggedOut(callback) {
  onLoggedOut = callback;
}

function unreachable(error) {
  return new ApiError(0, 'unreachable',
    `Cannot reach the banger daemon at ${location.origin} (${error.message}). Is it running?`);
}

async function failure(response) {
  let code = 'http_' + response.status;
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || message;
    }
  } catch (ignored) {
    // not the API's JSON error shape: keep the status line
  }
  return new ApiError(response.status, code, message);
}

async function send(method, path, body, {signal, session = true, raw = false} = {}) {
  const headers = {Accept: 'application/json'};
  if (body !== undefined) headers['Content-Type'] = raw ? 'application/octet-stream' : 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let response;
  try {
    response = await fetch(path, {
      method, headers, signal, credentials: 'same-origin',
      body: body === undefined || raw ? body : JSON.stringify(body),
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw unreachable(error);
  }
  if (!response.ok) {
    const error = await failure(response);
    if (response.status === 401 && session) {
      csrf = null;
      onLoggedOut(error.message);
    }
    throw error;
  }
  return response;
}

export async function json(method, path, body, options) {
  const response = await send(method, path, body, options);
  const text = await response.text();
  return text ? JSON.parse(text) : {};
}

export const get = (path, options) => json('GET', path, undefined, options);
export const post = (path, body, options) => json('POST', path, body, options);
export const del = (path, options) => json('DELETE', path, undefined, options);

/** POSTs {@code bytes} (a string is sent as UTF-8) as the raw body, e.g. a session's stdin. */
export const postBytes = (path, bytes) => json('POST', path, bytes, {raw: true});

export async function text(path) {
  return (await send('GET', path)).text();
}

/** Logs in with {token} or {code}; the daemon sets the HttpOnly cookie and answers the CSRF token. */
export async function login(credentials) {
  const session = await json('POST', '/ui/session', credentials, {session: false});
  csrf = session.csrf_token;
  return session;
}

/** The current session, if the cookie is still good (after a reload). */
export async function resume() {
  const session = await json('GET', '/ui/session', undefined, {session: false});
  csrf = session.csrf_token;
  return session;
}

export async function logout() {
  try {
    await json('DELETE', '/ui/session', undefined, {session: false});
  } finally {
    csrf = null;
  }
}

/**
 * Reads a streaming response (event stream, console follow) chunk by chunk as text until it ends or
 * {@code signal} aborts. Resolves when the stream ends.
 */
export async function stream(path, onText, signal) {
  const decoder = new TextDecoder();
  await streamBytes(path, bytes => onText(decoder.decode(bytes, {stream: true})), signal);
}

/**
 * Like {@link stream} but hands over the raw bytes (Uint8Array chunks); {@code onResponse} sees the response
 * first (its headers, e.g. a session output's Banger-Output-Offset).
 */
export async function streamBytes(path, onBytes, signal, onResponse = () => {}) {
  const response = await send('GET', path, undefined, {signal});
  onResponse(response);
  const reader = response.body.getReader();
  try {
    for (;;) {
      const {done, value} = await reader.read();
      if (done) break;
      onBytes(value);
    }
  } finally {
    reader.releaseLock();
  }
}

export const vmPath = (ref, action) => `/v1/vms/${encodeURIComponent(ref)}${action ? '/' + action : ''}`;
