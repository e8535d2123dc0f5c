// alerts.mjs — the inbox of each role and the alert list with filters.
import { html, useState, useEffect, useMemo } from '../lib/html.mjs';
import { t, label, fmtNumber, errorText } from '../lib/i18n.mjs';
import { api } from '../lib/api.mjs';
import { href, go, areaName, areaPath, childAreas, isOfficer, isOverdue, todayCN } from '../lib/util.mjs';
import { Loading, ErrorBox, Notice, DataTable, ExportButton, StateBadge, DueBadge, Section, useLoad } from '../lib/ui.mjs';

export function subjectLink(a) {
  const kind = a.subject_type === 'household' ? 'households' : 'persons';
  return html`<a href=${href([kind, a.subject_ref])} class="mono">${a.subject}</a>`;
}

export function areaCell(code) {
  const n = areaName(code);
  return html`<span class="area"><span class="area-name">${n || code}</span>${n && html` <span class="muted mono small">${code}</span>`}</span>`;
}

// The users a station head or officer may assign an alert to: workers and
// heads of the alert's township station, else of the stations of its county.
export function assignees(users, a) {
  const ok = (users || []).filter((u) => !u.disabled && (u.role === 'worker' || u.role === 'station_head') && u.station);
  const inbox = a.inbox && a.inbox.length === 9 ? a.inbox : a.area.slice(0, 9);
  const same = ok.filter((u) => u.station === inbox);
  return same.length ? same : ok.filter((u) => u.station.startsWith(a.area.slice(0, 6)));
}

function AssignCell({ alert, users, onDone }) {
  const cands = assignees(users, alert);
  const [who, setWho] = useState('');
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(null);
  if (alert.state !== 'new') return html`<span>${alert.assignee || '—'}</span>`;
  if (!cands.length) return html`<span class="muted">${t('assign.nobody')}</span>`;
  const assign = async () => {
    setBusy(true);
    setErr(null);
    try {
      await api.post(`/alerts/${alert.id}/transition`, { to: 'assigned', version: alert.version, assignee: who });
      onDone(t('assign.done', { id: alert.id, who }));
    } catch (e) {
      setErr(e);
    } finally {
      setBusy(false);
    }
  };
  const id = `assign-${alert.id}`;
  return html`<div class="assign-inline">
    <label for=${id} class="sr-only">${t('assign.to')}</label>
    <select id=${id} value=${who} onChange=${(e) => setWho(e.target.value)} data-testid="assign-select">
      <option value="">${t('assign.choose')}</option>
      ${cands.map((u) => html`<option value=${u.name}>${u.name} · ${label('role', u.role)}</option>`)}
    </select>
    <button type="button" class="btn btn-small btn-primary" disabled=${!who || busy} onClick=${assign}
      data-testid="assign-button">${t('action.assign')}</button>
    ${err && html`<span class="inline-error" role="alert">${errorText(err)}</span>`}
  </div>`;
}

function alertColumns({ users, canAssign, onAssigned, today }) {
  const cols = [
    { key: 'id', label: t('alert.id'), render: (a) => html`<a href=${href(['alerts', a.id])} class="row-link" data-testid="alert-link">#${a.id}</a>` },
    { key: 'rule', label: t('alert.rule'), render: (a) => html`<span><b>${a.rule}</b> <span class="muted">${label('kind', a.kind)}</span></span>` },
    { key: 'subject', label: t('alert.subject'), render: (a) => html`<span>${label('subject_type', a.subject_type)} ${subjectLink(a)}</span>` },
    { key: 'area', label: t('alert.area'), render: (a) => areaCell(a.area) },
    { key: 'state', label: t('alert.state'), render: (a) => html`<span><${StateBadge} state=${a.state} />
      ${a.cleared && html` <span class="badge badge-info">${t('alert.cleared')}</span>`}
      ${a.evidence_revoked && html` <span class="badge badge-warn">${t('alert.evidence_revoked')}</span>`}</span>` },
    { key: 'due', label: t('alert.due'), render: (a) => html`<span class="due">${a.due}
      <${DueBadge} overdue=${isOverdue(a, today)} dueSoon=${a.due_soon} /></span>` },
  ];
  if (canAssign) {
    cols.push({ key: 'assignee', label: t('alert.assignee'), render: (a) => html`<${AssignCell} alert=${a} users=${users} onDone=${onAssigned} />` });
  } else {
    cols.push({ key: 'assignee', label: t('alert.assignee'), render: (a) => a.assignee || '—' });
  }
  return cols;
}

// county choices for an officer's inbox, by city (6-digit codes; the
// townships of 东莞 and 中山 hang off the city, whose county code is CITY00)
function countiesUnder(scope) {
  if (scope.length >= 6) return [{ code: scope.slice(0, 4), name: areaName(scope.slice(0, 4)), counties: [{ code: scope.slice(0, 6), name: areaName(scope.slice(0, 6)) }] }];
  const cities = scope.length === 4 ? [{ code: scope, name: areaName(scope) }] : childAreas(scope).filter((c) => c.code.length === 4);
  return cities.map((c) => {
    const counties = [];
    for (const k of childAreas(c.code)) {
      if (k.code.length === 6) counties.push({ code: k.code, name: k.name });
      else if (k.code.length === 9 && !counties.some((x) => x.code === k.code.slice(0, 6))) counties.push({ code: k.code.slice(0, 6), name: c.name });
    }
    return { ...c, counties };
  });
}

export function InboxPage({ user, query }) {
  const officer = isOfficer(user);
  const counties = useMemo(() => (officer ? countiesUnder(user.scope) : []), [officer, user.scope]);
  let kind = query.kind || '';
  let code = query.code || '';
  if (officer && !code) {
    kind = 'county';
    code = user.scope.length >= 6 ? user.scope.slice(0, 6) : '';
  }
  const [msg, setMsg] = useState('');
  const today = todayCN();
  const params = kind ? { kind, code } : {};
  const inbox = useLoad(() => (officer && !code ? null : api.get('/inbox', params)), [kind, code]);
  const canAssign = officer || user.role === 'station_head';
  const users = useLoad(() => (canAssign ? api.get('/users').then((r) => r.items) : []), [canAssign]);
  const onAssigned = (m) => { setMsg(m); inbox.reload(); };

  const d = inbox.data;
  const title = d ? t(`inbox.title_${d.kind}`, { code: d.code, name: d.kind === 'worker' ? d.code : areaName(d.code) || d.code }) : t('inbox.title');
  return html`<div class="page">
    <div class="page-head">
      <h1 data-testid="inbox-title">${title}</h1>
      ${d && html`<${ExportButton} path="/inbox" params=${params} name=${`inbox-${d.code}`} />`}
    </div>
    ${officer && html`<div class="toolbar">
      <label for="inbox-county">${t('inbox.county')}</label>
      <select id="inbox-county" value=${kind === 'county' ? code : ''} data-testid="inbox-county"
        onChange=${(e) => go(['inbox'], { kind: 'county', code: e.target.value })}>
        <option value="">${t('inbox.choose_county')}</option>
        ${counties.map((g) => html`<optgroup label=${g.name}>
          ${g.counties.map((c) => html`<option value=${c.code}>${c.name} ${c.code}</option>`)}
        </optgroup>`)}
      </select>
    </div>`}
    <${Notice} text=${msg} />
    ${officer && !code && html`<p class="empty">${t('inbox.pick_county')}</p>`}
    ${inbox.loading && html`<${Loading} />`}
    <${ErrorBox} error=${inbox.error} onRetry=${inbox.reload} />
    ${d && html`
      <div class="counts" data-testid="inbox-counts" data-figures=${JSON.stringify(d.counts)}>
        <div class="count"><span class="count-n">${fmtNumber(d.counts.open)}</span><span class="count-l">${t('inbox.open')}</span></div>
        <div class="count count-overdue"><span class="count-n">${fmtNumber(d.counts.overdue)}</span><span class="count-l">${t('inbox.overdue')}</span></div>
        <div class="count count-soon"><span class="count-n">${fmtNumber(d.counts.due_soon)}</span><span class="count-l">${t('inbox.due_soon')}</span></div>
        ${['new', 'assigned', 'verifying', 'returned'].map((s) => html`<div class="count count-small">
          <span class="count-n">${fmtNumber(d.counts[s])}</span><span class="count-l">${label('state', s)}</span></div>`)}
      </div>
      <p class="muted small">${t('inbox.soon_note', { days: d.counts.remind_days, until: d.counts.soon_until })}</p>
      <${DataTable} testid="inbox-table" rows=${d.items} rowKey=${(a) => a.id}
        rowTestid=${() => 'inbox-row'}
        rowClass=${(a) => (a.overdue ? 'row-overdue' : a.due_soon ? 'row-soon' : '')}
        columns=${alertColumns({ users: users.data, canAssign, onAssigned, today })} />
    `}
  </div>`;
}

const STATES = ['new', 'assigned', 'verifying', 'verified', 'returned', 'closed'];
const cursorStacks = {};

export function AlertsPage({ user, query }) {
  const filters = { rule: query.rule || '', state: query.state || '', area: query.area || '', limit: query.limit || '' };
  const fkey = JSON.stringify(filters);
  const [form, setForm] = useState(filters);
  useEffect(() => setForm(filters), [fkey]);
  const rules = useLoad(() => api.get('/rules').then((r) => r.items).catch(() => []), []);
  const page = useLoad(() => api.get('/alerts', { ...filters, cursor: query.cursor }), [fkey, query.cursor]);
  const stack = cursorStacks[fkey] || (cursorStacks[fkey] = []);
  const today = todayCN();

  const apply = (e) => {
    e.preventDefault();
    if (form.area && !/^\d{1,12}$/.test(form.area)) return;
    go(['alerts'], form);
  };
  const next = () => { stack.push(query.cursor || ''); go(['alerts'], { ...filters, cursor: page.data.next }); };
  const prev = () => { const c = stack.pop(); go(['alerts'], { ...filters, cursor: c }); };
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });

  return html`<div class="page">
    <div class="page-head">
      <h1>${t('alerts.title')}</h1>
      <${ExportButton} path="/alerts" params=${{ ...filters, cursor: query.cursor }} name="alerts" />
    </div>
    <form class="filters card" onSubmit=${apply} data-testid="alerts-filters">
      <div class="field">
        <label for="f-rule">${t('alert.rule')}</label>
        <select id="f-rule" value=${form.rule} onChange=${set('rule')} data-testid="filter-rule">
          <option value="">${t('common.all')}</option>
          ${(rules.data || []).map((r) => html`<option value=${r.id}>${r.id} ${r.title}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="f-state">${t('alert.state')}</label>
        <select id="f-state" value=${form.state} onChange=${set('state')} data-testid="filter-state">
          <option value="">${t('common.all')}</option>
          ${STATES.map((s) => html`<option value=${s}>${label('state', s)}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="f-area">${t('alert.area_prefix')}</label>
        <input id="f-area" value=${form.area} onInput=${set('area')} inputmode="numeric" pattern="[0-9]{1,12}"
          maxlength="12" placeholder=${user.scope} data-testid="filter-area" />
      </div>
      <div class="field">
        <label for="f-limit">${t('common.page_size')}</label>
        <select id="f-limit" value=${form.limit} onChange=${set('limit')} data-testid="filter-limit">
          ${['', '100', '500'].map((n) => html`<option value=${n}>${n || '50'}</option>`)}
        </select>
      </div>
      <div class="field field-button">
        <button type="submit" class="btn btn-primary" data-testid="filter-apply">${t('common.apply')}</button>
      </div>
    </form>
    ${page.loading && html`<${Loading} />`}
    <${ErrorBox} error=${page.error} onRetry=${page.reload} />
    ${page.data && html`
      <${DataTable} testid="alerts-table" rows=${page.data.items} rowKey=${(a) => a.id}
        rowTestid=${() => 'alert-row'} rowClass=${(a) => (isOverdue(a, today) ? 'row-overdue' : '')}
        columns=${alertColumns({ canAssign: false, today })} />
      <div class="pager">
        <button type="button" class="btn btn-secondary" disabled=${!query.cursor} onClick=${prev} data-testid="page-prev">${t('common.prev')}</button>
        <span class="muted">${t('alerts.shown', { n: page.data.items.length })}</span>
        <button type="button" class="btn btn-secondary" disabled=${!page.data.next} onClick=${next} data-testid="page-next">${t('common.next')}</button>
      </div>`}
  </div>`;
}
