// app.mjs — minsheng 民生 web UI: boot, session, header, hash routing.
import { html, render, useState, useEffect } from './lib/html.mjs';
import { t, label, loadLang, savedLang, LANGS, currentLang } from './lib/i18n.mjs';
import { api, setCsrf, setUnauthorizedHandler } from './lib/api.mjs';
import { parseHash, href, go, loadAreas, isOfficer } from './lib/util.mjs';
import { ErrorBox } from './lib/ui.mjs';
import { LoginPage, PasswordPage } from './pages/login.mjs';
import { Dashboard } from './pages/dashboard.mjs';
import { InboxPage, AlertsPage } from './pages/alerts.mjs';
import { AlertPage } from './pages/alert.mjs';
import { SearchPage, PersonPage, HouseholdPage } from './pages/people.mjs';
import { ImportsPage, BatchPage, ReviewPage } from './pages/imports.mjs';
import { RulesPage, RulePage } from './pages/rules.mjs';
import { StationsPage, StationPage } from './pages/stations.mjs';

// which pages a role has (the server decides in the end)
function navFor(u) {
  const r = u.role;
  const items = [];
  if (isOfficer(u) || r === 'station_head') items.push(['dashboard', 'nav.dashboard']);
  if (isOfficer(u) || r === 'station_head' || r === 'worker') items.push(['inbox', 'nav.inbox']);
  if (isOfficer(u) || r === 'station_head') items.push(['alerts', 'nav.alerts']);
  if (isOfficer(u) || r === 'uploader') items.push(['imports', 'nav.imports']);
  if (isOfficer(u) || r === 'station_head' || r === 'worker') items.push(['rules', 'nav.rules']);
  if (isOfficer(u) || r === 'station_head' || r === 'worker' || r === 'evaluator') items.push(['stations', 'nav.stations']);
  return items;
}

function homeFor(u) {
  const n = navFor(u);
  return n.length ? n[0][0] : 'none';
}

const SESSION_KEY = 'minsheng.session';
function hadSession() {
  try { return localStorage.getItem(SESSION_KEY) === '1'; } catch (e) { return true; }
}
function markSession(on) {
  try { if (on) localStorage.setItem(SESSION_KEY, '1'); else localStorage.removeItem(SESSION_KEY); } catch (e) { /* private mode */ }
}

function useHash() {
  const [h, setH] = useState(location.hash);
  useEffect(() => {
    const on = () => setH(location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return parseHash(h);
}

function Header({ user, route, onLogout, onLang }) {
  const [q, setQ] = useState(route.path[0] === 'search' ? route.query.q || '' : '');
  const submit = (e) => {
    e.preventDefault();
    if (q.trim()) go(['search'], { q: q.trim() });
  };
  const section = route.path[0] || homeFor(user);
  const canSearch = user.role !== 'uploader' && user.role !== 'evaluator' && user.role !== 'auditor';
  return html`<header class="top">
    <div class="top-row">
      <a class="brand" href="#/" data-testid="nav-home">
        <span class="brand-mark" aria-hidden="true">民</span>
        <span class="brand-text">${t('app.name')}</span>
      </a>
      <nav class="nav" aria-label=${t('nav.label')}>
        ${navFor(user).map(([id, key]) => html`<a href=${href([id])} data-testid=${`nav-${id}`}
          class=${section === id || (id === 'alerts' && section === 'alerts' ) ? 'nav-link nav-on' : 'nav-link'}
          aria-current=${section === id ? 'page' : undefined}>${t(key)}</a>`)}
      </nav>
      ${canSearch && html`<form class="search" role="search" onSubmit=${submit}>
        <label for="search-q" class="sr-only">${t('search.label')}</label>
        <input id="search-q" type="search" value=${q} onInput=${(e) => setQ(e.target.value)}
          placeholder=${t('search.placeholder')} maxlength="100" data-testid="search-input" enterkeyhint="search" />
        <button type="submit" class="btn btn-small" data-testid="search-submit">${t('search.go')}</button>
      </form>`}
      <div class="who">
        <span class="who-id">
          <a class="who-name" href="#/password" data-testid="user-name" title=${t('password.title')}>${user.name}</a>
          <span class="who-role" data-testid="user-role">${label('role', user.role)}</span>
        </span>
        <label for="lang-select" class="sr-only">${t('lang.label')}</label>
        <select id="lang-select" class="lang" value=${currentLang()} onChange=${(e) => onLang(e.target.value)}
          data-testid="lang-select">
          ${LANGS.map((l) => html`<option value=${l}>${t(`lang.${l}`)}</option>`)}
        </select>
        <button type="button" class="btn btn-secondary btn-small" onClick=${onLogout} data-testid="logout">${t('nav.logout')}</button>
      </div>
    </div>
  </header>`;
}

function Page({ user, route }) {
  const [p0, p1] = route.path;
  const section = p0 || homeFor(user);
  switch (section) {
    case 'dashboard': return html`<${Dashboard} user=${user} query=${route.query} />`;
    case 'inbox': return html`<${InboxPage} user=${user} query=${route.query} />`;
    case 'alerts': return p1 ? html`<${AlertPage} user=${user} id=${p1} />` : html`<${AlertsPage} user=${user} query=${route.query} />`;
    case 'search': return html`<${SearchPage} user=${user} query=${route.query} />`;
    case 'persons': return html`<${PersonPage} user=${user} id=${p1} />`;
    case 'households': return html`<${HouseholdPage} user=${user} id=${p1} />`;
    case 'imports': return p1 ? html`<${BatchPage} user=${user} id=${p1} />` : html`<${ImportsPage} user=${user} />`;
    case 'review': return html`<${ReviewPage} user=${user} query=${route.query} />`;
    case 'rules': return p1 ? html`<${RulePage} user=${user} id=${p1} />` : html`<${RulesPage} user=${user} />`;
    case 'stations': return p1 ? html`<${StationPage} user=${user} code=${p1} />` : html`<${StationsPage} user=${user} query=${route.query} />`;
    case 'password': return html`<${PasswordPage} user=${user} />`;
    case 'none': return html`<div class="page"><p class="empty" data-testid="no-pages">${t('app.no_pages')}</p></div>`;
    default: return html`<div class="page"><p class="empty" data-testid="not-found">${t('app.not_found')}</p>
      <p><a href="#/">${t('app.home')}</a></p></div>`;
  }
}

function App({ initialUser }) {
  const [user, setUser] = useState(initialUser);
  const [, setLang] = useState(currentLang());
  const [fatal, setFatal] = useState(null);
  const route = useHash();

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setCsrf(null);
      markSession(false);
      setUser(null);
    });
  }, []);
  useEffect(() => { window.scrollTo(0, 0); }, [route.path.join('/')]);

  const onLang = async (l) => {
    try { setLang(await loadLang(l)); } catch (e) { setFatal(e); }
  };
  // the area names are loaded before the pages show
  const onLogin = (u, csrf) => {
    setCsrf(csrf);
    markSession(true);
    loadAreas(u.scope).finally(() => setUser(u));
  };
  const onLogout = async () => {
    try { await api.post('/logout'); } catch (e) { /* ended anyway */ }
    setCsrf(null);
    markSession(false);
    setUser(null);
    location.hash = '#/';
  };

  if (!user) return html`<${LoginPage} onLogin=${onLogin} onLang=${onLang} />`;
  return html`<div class="shell">
    <a class="skip" href="#main">${t('app.skip')}</a>
    <${Header} user=${user} route=${route} onLogout=${onLogout} onLang=${onLang} />
    <main id="main" tabindex="-1">
      ${fatal && html`<${ErrorBox} error=${fatal} />`}
      ${user.must_change
        ? html`<${PasswordPage} user=${user} forced=${true} onChanged=${onLogin} />`
        : html`<${Page} user=${user} route=${route} />`}
    </main>
  </div>`;
}

async function boot() {
  const root = document.getElementById('app');
  try {
    await loadLang(savedLang());
  } catch (e) {
    root.textContent = 'i18n: ' + e.message;
    return;
  }
  // ask for the session only when this browser logged in before (a fresh
  // visit goes straight to the login page, without a 401 in the console)
  let user = null;
  if (hadSession()) {
    try {
      const s = await api.get('/session', null, { quiet401: true });
      setCsrf(s.csrf);
      user = s.user;
      await loadAreas(user.scope);
    } catch (e) {
      user = null;
      markSession(false);
    }
  }
  root.textContent = '';
  render(html`<${App} initialUser=${user} />`, root);
}

boot();
