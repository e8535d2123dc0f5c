// util.mjs — hash routing, area names, dates and roles.

// "#/alerts/12?state=new" → {path: ['alerts', '12'], query: {state: 'new'}}
export function parseHash(hash) {
  const h = (hash || '').replace(/^#/, '');
  const [p, q] = h.split('?');
  const path = (p || '/').split('/').filter(Boolean).map((s) => {
    try { return decodeURIComponent(s); } catch (e) { return s; }
  });
  const query = {};
  new URLSearchParams(q || '').forEach((v, k) => { query[k] = v; });
  return { path, query };
}

export function href(path, query) {
  const p = '#/' + path.map((s) => encodeURIComponent(String(s))).join('/');
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) if (v != null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `${p}?${s}` : p;
}

export function go(path, query) { location.hash = href(path, query); }

// Today in China Standard Time (UTC+8), YYYY-MM-DD
export function todayCN() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

const OPEN = ['new', 'assigned', 'verifying', 'returned'];
export function isOpenState(s) { return OPEN.includes(s); }
// overdue: due before today and still waiting for the field (docs/lifecycle.md)
export function isOverdue(a, today = todayCN()) {
  if (a.overdue != null) return a.overdue;
  return isOpenState(a.state) && a.due < today;
}

export const ROLES = ['admin', 'officer', 'station_head', 'worker', 'uploader', 'evaluator', 'auditor'];
export const isOfficer = (u) => !!u && (u.role === 'admin' || u.role === 'officer');
export const isField = (u) => !!u && (u.role === 'station_head' || u.role === 'worker');

// ---- area names: areas/NN.json (code → [name, parent, current]) -----------
const areaFiles = {};
let areaTable = {};

export async function loadAreas(province) {
  const p = String(province || '').slice(0, 2);
  if (!/^\d{2}$/.test(p)) return areaTable;
  if (!areaFiles[p]) {
    areaFiles[p] = fetch(`areas/${p}.json`, { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : {}))
      .catch(() => ({}));
  }
  const t = await areaFiles[p];
  areaTable = { ...areaTable, ...t };
  return areaTable;
}

export function areaName(code) {
  if (!code) return '';
  const e = areaTable[code];
  if (e) return e[0];
  if (code.length > 9 && areaTable[code.slice(0, 9)]) return areaTable[code.slice(0, 9)][0];
  return '';
}

// the levels above a code: 44 → 4401 → 440106 → 440106001
export function areaLevels(code) {
  const out = [];
  for (const n of [2, 4, 6, 9, 12]) if (code.length >= n) out.push(code.slice(0, n));
  return out;
}

// "广东省 › 广州市 › 天河区" for a code (names we know)
export function areaPath(code) {
  if (!code) return '';
  const names = [];
  for (const c of areaLevels(code)) {
    const n = areaName(c);
    if (n && names[names.length - 1] !== n) names.push(n);
  }
  return names.join(' › ');
}

// The current areas one level below (city → counties → townships). A city
// without counties (东莞 4419, 中山 4420) has its townships directly.
export function childAreas(code) {
  const out = [];
  for (const [c, [name, parent, current]] of Object.entries(areaTable)) {
    if (parent === code && current) out.push({ code: c, name });
  }
  if (code.length === 4 && out.some((x) => x.code.length === 9)) {
    return out.filter((x) => x.code.length === 9).sort((a, b) => a.code.localeCompare(b.code));
  }
  return out.filter((x) => !/^\d{4}0{2}$/.test(x.code) || x.name !== areaName(code) || out.length === 1)
    .sort((a, b) => a.code.localeCompare(b.code));
}

// the child of `parent` that contains `code` (a prefix of the next level)
export function childOf(parent, code) {
  if (!code || !code.startsWith(parent)) return null;
  const kids = childAreas(parent);
  for (const k of kids) if (code.startsWith(k.code)) return k.code;
  const next = { 2: 4, 4: 6, 6: 9, 9: 12 }[parent.length];
  return next && code.length >= next ? code.slice(0, next) : null;
}

export function debounce(fn, ms) {
  let h = null;
  return (...a) => { clearTimeout(h); h = setTimeout(() => fn(...a), ms); };
}

// run async tasks with at most n at once
export async function pool(items, n, fn) {
  const out = new Array(items.length);
  let i = 0;
  const worker = async () => {
    while (i < items.length) {
      const k = i++;
      try { out[k] = await fn(items[k], k); } catch (e) { out[k] = e; }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}
