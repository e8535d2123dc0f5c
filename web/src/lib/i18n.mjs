// i18n.mjs — the message catalogues (i18n/zh-CN.json, i18n/en.json). Every
// string the UI shows comes from here; Simplified Chinese is the default and
// the fallback, the choice is kept in localStorage.
const KEY = 'minsheng.lang';
export const LANGS = ['zh-CN', 'en'];
let fallback = {};
let cat = {};
let lang = 'zh-CN';

async function fetchCatalogue(l) {
  const r = await fetch(`i18n/${l}.json`, { credentials: 'same-origin' });
  if (!r.ok) throw new Error(`i18n/${l}.json: ${r.status}`);
  return r.json();
}

export function savedLang() {
  let l = null;
  try { l = localStorage.getItem(KEY); } catch (e) { l = null; }
  return LANGS.includes(l) ? l : 'zh-CN';
}

export async function loadLang(l) {
  if (!LANGS.includes(l)) l = 'zh-CN';
  if (!fallback['app.name']) fallback = await fetchCatalogue('zh-CN');
  cat = l === 'zh-CN' ? fallback : await fetchCatalogue(l);
  lang = l;
  try { localStorage.setItem(KEY, l); } catch (e) { /* private mode */ }
  document.documentElement.lang = l;
  document.title = t('app.title');
  return l;
}

export function currentLang() { return lang; }

// t('key', {n: 3}) → the catalogue's text with {n} replaced
export function t(key, vars) {
  let s = cat[key];
  if (s == null) s = fallback[key];
  if (s == null) return key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] == null ? '' : String(vars[k])));
  return s;
}

// a label from a catalogue family ('state', 'new') → t('state.new'), else the code
export function label(family, code) {
  if (code == null || code === '') return '';
  const k = `${family}.${code}`;
  const s = t(k);
  return s === k ? String(code) : s;
}

export function fmtNumber(n, digits) {
  if (n == null || Number.isNaN(n)) return '—';
  const o = digits == null ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits };
  return Number(n).toLocaleString(lang, o);
}

export function fmtPercent(x) {
  if (x == null || Number.isNaN(x)) return '—';
  return `${(x * 100).toLocaleString(lang, { maximumFractionDigits: 1 })}%`;
}

// "1234.50" (yuan as text) → "1,234.50 元" without floating point
export function fmtYuan(s) {
  if (s == null || s === '') return '—';
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(String(s));
  if (!m) return String(s);
  const int = m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return t('unit.yuan', { v: `${m[1]}${int}${m[3] || ''}` });
}

// RFC 3339 (+08:00) → "2026-11-29 10:15"
export function fmtTime(s) {
  if (!s) return '—';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(s);
  return m ? `${m[1]} ${m[2]}` : s;
}

// an API error's message in the current language: the server writes
// "中文 / English"
export function errorText(e) {
  if (!e) return '';
  if (e.status === 0) return t('error.network');
  if (e.status === 409 && e.code === 'conflict') return t('error.conflict');
  const msg = e.message || '';
  if (lang !== 'zh-CN') {
    const i = msg.indexOf(' / ');
    if (i >= 0) return msg.slice(i + 3);
    if (e.message_en) return e.message_en;
  } else if (msg) {
    const i = msg.indexOf(' / ');
    return i >= 0 ? msg.slice(0, i) : msg;
  }
  return msg || t('error.generic', { status: e.status });
}
