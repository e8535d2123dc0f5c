// api.mjs — the HTTP API under /api/v1 (docs/api.md). The CSRF token of the
// login or session answer is kept in memory only and sent as X-CSRF-Token on
// every request other than GET. A 401 outside the login sends the user back
// to the login page (onUnauthorized).
export const BASE = '/api/v1';
let csrf = null;
let onUnauthorized = () => {};

export function setCsrf(token) { csrf = token || null; }
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || '';
    this.message_en = e.message_en || '';
    this.otp_required = !!(body && body.otp_required);
  }
}

// query string from an object, leaving out empty values
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v != null && v !== '') u.set(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}

async function request(method, path, { body, raw, type, quiet401 } = {}) {
  const headers = {};
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let payload;
  if (raw !== undefined) {
    payload = raw;
    headers['Content-Type'] = type || 'application/octet-stream';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  let r;
  try {
    r = await fetch(BASE + path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, { error: { code: 'network', message: String(e) } });
  }
  const ct = r.headers.get('Content-Type') || '';
  const data = ct.includes('json') ? await r.json().catch(() => null) : null;
  if (!r.ok) {
    const err = new ApiError(r.status, data);
    if (r.status === 401 && !quiet401) onUnauthorized(err);
    throw err;
  }
  return data;
}

export const api = {
  get: (path, params, opts) => request('GET', path + qs(params), opts),
  post: (path, body, opts) => request('POST', path, { ...opts, body: body === undefined ? {} : body }),
  del: (path, opts) => request('DELETE', path, opts),
  upload: (path, file, opts) => request('POST', path, { ...opts, raw: file }),
};

// An upload with progress (XMLHttpRequest: fetch reports no upload progress).
export function uploadWithProgress(path, file, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('POST', BASE + path);
    x.withCredentials = true;
    if (csrf) x.setRequestHeader('X-CSRF-Token', csrf);
    x.setRequestHeader('Content-Type', 'application/octet-stream');
    x.upload.onprogress = (ev) => { if (ev.lengthComputable) onProgress(ev.loaded, ev.total); };
    x.onerror = () => reject(new ApiError(0, null));
    x.onload = () => {
      let data = null;
      try { data = JSON.parse(x.responseText); } catch (e) { data = null; }
      if (x.status >= 200 && x.status < 300) resolve(data);
      else {
        const err = new ApiError(x.status, data);
        if (x.status === 401) onUnauthorized(err);
        reject(err);
      }
    };
    x.send(file);
  });
}

// Download an export or an attachment: fetch (the cookie goes along), then a
// blob and an <a download>.
export async function download(path, fallbackName) {
  let r;
  try {
    r = await fetch(BASE + path, { credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, null);
  }
  if (!r.ok) {
    const data = await r.json().catch(() => null);
    const err = new ApiError(r.status, data);
    if (r.status === 401) onUnauthorized(err);
    throw err;
  }
  const blob = await r.blob();
  let name = fallbackName;
  const cd = r.headers.get('Content-Disposition') || '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  const plain = /filename="?([^";]+)"?/i.exec(cd);
  if (star) { try { name = decodeURIComponent(star[1]); } catch (e) { name = fallbackName; } }
  else if (plain) name = plain[1];
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return { name, size: blob.size, type: blob.type };
}

// A blob URL for an attachment shown inline (img-src allows blob:).
export async function blobUrl(path) {
  const r = await fetch(BASE + path, { credentials: 'same-origin' });
  if (!r.ok) throw new ApiError(r.status, await r.json().catch(() => null));
  return URL.createObjectURL(await r.blob());
}

// Poll a job every second until it is done or failed, at most `limit` polls.
export async function pollJob(id, onUpdate, { limit = 1800, interval = 1000, cancelled } = {}) {
  for (let i = 0; i < limit; i++) {
    const job = await api.get(`/jobs/${id}`);
    onUpdate(job);
    if (job.state === 'done' || job.state === 'failed') return job;
    if (cancelled && cancelled()) return job;
    await new Promise((res) => setTimeout(res, interval));
  }
  const e = new ApiError(0, null);
  e.timeout = true;
  throw e;
}
