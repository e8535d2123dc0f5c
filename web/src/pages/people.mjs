// people.mjs — search (masked results), a person's page and a household's
// page: categories, benefits, department facts, a timeline of facts, alerts
// and service records, and the visit form of the household service file.
import { html, useState } from '../lib/html.mjs';
import { t, label, fmtTime, errorText } from '../lib/i18n.mjs';
import { api } from '../lib/api.mjs';
import { href, go, areaName, isField, todayCN } from '../lib/util.mjs';
import { Loading, ErrorBox, Notice, DataTable, ExportButton, StateBadge, Section, KeyValues, Field, Empty, useLoad } from '../lib/ui.mjs';

export function SearchPage({ query }) {
  const q = query.q || '';
  const res = useLoad(() => (q ? api.get('/search', { q, limit: 50 }) : { items: [] }), [q]);
  const [text, setText] = useState(q);
  return html`<div class="page">
    <div class="page-head">
      <h1>${q ? t('search.title_q', { q }) : t('search.title')}</h1>
      ${q && html`<${ExportButton} path="/search" params=${{ q, limit: 50 }} name="search" />`}
    </div>
    <form class="card search-big" role="search" onSubmit=${(e) => { e.preventDefault(); if (text.trim()) go(['search'], { q: text.trim() }); }}>
      <label for="search-page-q">${t('search.label')}</label>
      <div class="row">
        <input id="search-page-q" type="search" value=${text} maxlength="100" onInput=${(e) => setText(e.target.value)}
          placeholder=${t('search.placeholder')} data-testid="search-page-input" />
        <button type="submit" class="btn btn-primary" data-testid="search-page-submit">${t('search.go')}</button>
      </div>
      <p class="hint">${t('search.hint')}</p>
    </form>
    ${res.loading && html`<${Loading} />`}
    <${ErrorBox} error=${res.error} onRetry=${res.reload} />
    ${res.data && q && html`<${DataTable} testid="search-results" rows=${res.data.items} rowKey=${(r, i) => r.ref || i}
      rowTestid=${() => 'search-row'}
      columns=${[
        { key: 'type', label: t('search.type'), render: (r) => label('subject_type', r.type) },
        { key: 'name', label: t('search.name'), render: (r) => (r.type === 'person'
          ? html`<a class="row-link" href=${href(['persons', r.ref])} data-testid="search-link">${r.name || '—'}</a>`
          : html`<a class="row-link" href=${href(['households', r.ref])} data-testid="search-link">${r.id}</a>`) },
        { key: 'idno', label: t('person.idno'), render: (r) => html`<span class="mono">${r.idno || ''}</span>` },
        { key: 'area', label: t('alert.area'), render: (r) => r.area_name || r.area || '—' },
        { key: 'match', label: t('search.match'), render: (r) => label('match', r.match) },
        { key: 'hh', label: t('person.household'), render: (r) => (r.household_ref ? html`<a href=${href(['households', r.household_ref])}>${t('person.open_household')}</a>` : '') },
      ]} />`}
  </div>`;
}

function AlertsMini({ alerts }) {
  if (!alerts || !alerts.length) return html`<${Empty} text=${t('person.no_alerts')} />`;
  return html`<${DataTable} testid="subject-alerts" rows=${alerts} rowKey=${(a) => a.id} rowTestid=${() => 'subject-alert'}
    columns=${[
      { key: 'id', label: t('alert.id'), render: (a) => html`<a class="row-link" href=${href(['alerts', a.id])}>#${a.id}</a>` },
      { key: 'rule', label: t('alert.rule') },
      { key: 'state', label: t('alert.state'), render: (a) => html`<${StateBadge} state=${a.state} />` },
      { key: 'created', label: t('alert.created'), render: (a) => fmtTime(a.created) },
      { key: 'due', label: t('alert.due') },
    ]} />`;
}

// rows of Values (column → text) as a table
function ValuesTable({ rows, testid, hide = [] }) {
  if (!rows || !rows.length) return html`<${Empty} />`;
  const cols = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k) && !hide.includes(k)) cols.push(k);
  const shown = cols.filter((k) => rows.some((r) => r[k] !== '' && r[k] != null));
  return html`<${DataTable} testid=${testid} rows=${rows} columns=${shown.map((k) => ({ key: k, label: k, render: (r) => r[k] || '—' }))} />`;
}

// the first date of a fact row (its own date column), for the timeline
function factDay(values) {
  for (const v of Object.values(values || {})) {
    if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return v;
    if (/^\d{4}-\d{2}$/.test(v)) return `${v}-01`;
  }
  return '';
}

function Timeline({ items, facts }) {
  const all = (items || []).map((x) => ({ ...x }));
  for (const f of (facts && facts.feeds) || []) {
    for (const r of f.rows) {
      const day = factDay(r.values);
      if (day) all.push({ day, at: day, source: 'fact', feed: f.feed, title: f.title || f.feed, department: f.department, batch: r.batch, row: r.row, values: r.values });
    }
  }
  all.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : String(a.at).localeCompare(String(b.at))));
  if (!all.length) return html`<${Empty} />`;
  return html`<ol class="timeline" data-testid="timeline">
    ${all.map((x) => html`<li class=${`tl tl-${x.source}`} data-testid="timeline-item" data-source=${x.source}>
      <div class="tl-date mono">${x.day}</div>
      <div class="tl-body">
        <div class="tl-head"><span class="badge badge-src">${label('source', x.source)}</span>
          ${x.source === 'alert' && html` <a href=${href(['alerts', x.alert])}>#${x.alert} ${x.rule}</a>
            ${x.from ? html` ${label('state', x.from)} → ` : ' '}${label('state', x.to)}`}
          ${x.source === 'fact' && html` <b>${x.title}</b> <span class="muted small">${x.department || ''} · ${t('explain.batch', { batch: x.batch })} · ${t('explain.row', { row: x.row })}</span>`}
          ${x.source !== 'alert' && x.source !== 'fact' && x.kind && html` <b>${label('visit_kind', x.kind)}</b>`}
          ${x.persons ? html` · ${t('service.persons', { n: x.persons })}` : ''}
          ${x.result && html` · ${label('result', x.result)}`}
          ${x.actor && html` <span class="muted small">· ${x.actor}</span>`}</div>
        ${x.note && html`<div class="note">${x.note}</div>`}
        ${x.needs && html`<div class="small">${t('visit.needs')}: ${x.needs}</div>`}
        ${x.source === 'fact' && html`<div class="small muted">${Object.entries(x.values).filter(([k, v]) => v !== '' && k !== '身份证号' && k !== '姓名').map(([k, v]) => `${k}：${v}`).join('；')}</div>`}
      </div>
    </li>`)}
  </ol>`;
}

export function PersonPage({ id }) {
  const p = useLoad(() => api.get(`/persons/${encodeURIComponent(id)}`), [id]);
  const facts = useLoad(() => api.get(`/persons/${encodeURIComponent(id)}/facts`).catch(() => null), [id]);
  const tl = useLoad(() => api.get(`/persons/${encodeURIComponent(id)}/timeline`).catch(() => null), [id]);
  if (p.loading && !p.data) return html`<div class="page"><${Loading} /></div>`;
  if (p.error) return html`<div class="page"><${ErrorBox} error=${p.error} onRetry=${p.reload} /></div>`;
  const x = p.data;
  const fixed = ['idno', 'ref', 'name', 'sex', 'birth', 'area', 'area_name', 'household', 'household_ref', 'relation', 'phone', 'values', 'alerts', 'categories', 'benefits'];
  const extra = Object.entries(x).filter(([k, v]) => !fixed.includes(k) && Array.isArray(v));
  return html`<div class="page" data-testid="person-page">
    <div class="page-head"><h1>${x.name || t('person.unnamed')} <span class="muted mono small">${x.idno}</span></h1></div>
    <div class="two-col">
      <${Section} title=${t('person.basic')} testid="person-basic">
        <${KeyValues} items=${[
          [t('person.name'), x.name],
          [t('person.idno'), html`<span class="mono" data-testid="person-idno">${x.idno}</span>`],
          [t('person.sex'), label('sex', x.sex)],
          [t('person.birth'), x.birth],
          [t('person.area'), html`${x.area_name || ''} <span class="muted mono small">${x.area || ''}</span>`],
          [t('person.household'), x.household_ref ? html`<a href=${href(['households', x.household_ref])} data-testid="person-household">${x.household}</a>` : x.household],
          [t('person.relation'), x.relation],
          [t('person.phone'), x.phone],
        ]} />
      </${Section}>
      <${Section} title=${t('person.alerts')}><${AlertsMini} alerts=${x.alerts} /></${Section}>
    </div>
    <${Section} title=${t('person.categories')} testid="person-categories"><${ValuesTable} rows=${x.categories} hide=${['身份证号', '姓名']} /></${Section}>
    <${Section} title=${t('person.benefits')} testid="person-benefits"><${ValuesTable} rows=${x.benefits} hide=${['身份证号', '姓名']} /></${Section}>
    ${extra.map(([k, rows]) => html`<${Section} title=${k}><${ValuesTable} rows=${rows} hide=${['身份证号', '姓名']} /></${Section}>`)}
    <${Section} title=${t('person.facts')} testid="person-facts">
      ${facts.loading && html`<${Loading} />`}
      ${facts.data && facts.data.feeds.length === 0 && html`<${Empty} />`}
      ${facts.data && facts.data.feeds.map((f) => html`<div class="feed-block">
        <h3>${f.title || f.feed} <span class="muted small">${f.department || ''} · ${f.feed}</span></h3>
        <${ValuesTable} rows=${f.rows.map((r) => ({ [t('explain.batch_col')]: String(r.batch), [t('explain.row_col')]: String(r.row), ...r.values }))} hide=${['身份证号', '姓名']} />
      </div>`)}
    </${Section}>
    <${Section} title=${t('person.timeline')} testid="person-timeline">
      ${tl.loading && html`<${Loading} />`}
      <${ErrorBox} error=${tl.error} />
      ${!tl.loading && html`<${Timeline} items=${tl.data && tl.data.items} facts=${facts.data} />`}
    </${Section}>
  </div>`;
}

function VisitForm({ hh, onDone }) {
  const [day, setDay] = useState(todayCN());
  const [kind, setKind] = useState('home');
  const [note, setNote] = useState('');
  const [needs, setNeeds] = useState('');
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    try {
      const body = { type: 'visit', day, kind };
      if (note.trim()) body.note = note.trim();
      if (needs.trim()) body.needs = needs.trim();
      const r = await api.post(`/households/${encodeURIComponent(hh)}/file`, body);
      setNote(''); setNeeds('');
      onDone(r.opened ? t('visit.done_opened') : t('visit.done'));
    } catch (x) {
      setErr(x);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="visit-form" onSubmit=${submit} data-testid="visit-form">
    <${Field} label=${t('visit.day')} id="visit-day" required=${true}>
      <input id="visit-day" type="date" value=${day} max=${todayCN()} onInput=${(e) => setDay(e.target.value)} required data-testid="visit-day" />
    </${Field}>
    <${Field} label=${t('visit.kind')} id="visit-kind" required=${true}>
      <select id="visit-kind" value=${kind} onChange=${(e) => setKind(e.target.value)} data-testid="visit-kind">
        ${['home', 'phone', 'walk_in'].map((k) => html`<option value=${k}>${label('visit_kind', k)}</option>`)}
      </select>
    </${Field}>
    <${Field} label=${t('visit.note')} id="visit-note">
      <textarea id="visit-note" rows="3" maxlength="4000" value=${note} onInput=${(e) => setNote(e.target.value)} data-testid="visit-note"></textarea>
    </${Field}>
    <${Field} label=${t('visit.needs')} id="visit-needs">
      <textarea id="visit-needs" rows="2" maxlength="4000" value=${needs} onInput=${(e) => setNeeds(e.target.value)} data-testid="visit-needs"></textarea>
    </${Field}>
    <${ErrorBox} error=${err} testid="visit-error" />
    <button type="submit" class="btn btn-primary btn-big btn-block" disabled=${busy || !day} data-testid="visit-submit">${t('visit.submit')}</button>
  </form>`;
}

export function HouseholdPage({ user, id }) {
  const [msg, setMsg] = useState('');
  const h = useLoad(() => api.get(`/households/${encodeURIComponent(id)}`), [id]);
  const tl = useLoad(() => api.get(`/households/${encodeURIComponent(id)}/timeline`).catch(() => null), [id, msg]);
  // the service file exists only when the household says so (no 404 to ask)
  const hasFile = !!(h.data && h.data.service_file) || !!msg;
  const file = useLoad(() => (hasFile ? api.get(`/households/${encodeURIComponent(id)}/file`).catch((e) => (e.status === 404 ? null : Promise.reject(e))) : null), [id, msg, hasFile]);
  if (h.loading && !h.data) return html`<div class="page"><${Loading} /></div>`;
  if (h.error) return html`<div class="page"><${ErrorBox} error=${h.error} onRetry=${h.reload} /></div>`;
  const x = h.data;
  const f = file.data;
  return html`<div class="page" data-testid="household-page">
    <div class="page-head"><h1>${t('household.title', { id: x.id })}</h1></div>
    <${Notice} text=${msg} testid="visit-done" />
    <div class="two-col">
      <${Section} title=${t('household.basic')} testid="household-basic">
        <${KeyValues} items=${[
          [t('household.id'), html`<span class="mono">${x.id}</span>`],
          [t('person.area'), html`${x.area_name || areaName(x.area) || ''} <span class="muted mono small">${x.area || ''}</span>`],
          ...Object.entries(x.values || {}).filter(([k]) => !['户编号', '区划代码'].includes(k)).map(([k, v]) => [k, v]),
          [t('household.service_file'), x.service_file || f ? t('common.yes') : t('common.no')],
        ]} />
      </${Section}>
      <${Section} title=${t('household.members')} testid="household-members">
        <${DataTable} rows=${x.members} rowKey=${(m, i) => m.ref || i} rowTestid=${() => 'member-row'}
          columns=${[
            { key: 'name', label: t('person.name'), render: (m) => (m.ref ? html`<a class="row-link" href=${href(['persons', m.ref])}>${m.name}</a>` : m.name) },
            { key: 'idno', label: t('person.idno'), render: (m) => html`<span class="mono">${m.idno}</span>` },
            { key: 'relation', label: t('person.relation'), render: (m) => m.relation || '—' },
          ]} />
      </${Section}>
    </div>
    <${Section} title=${t('household.alerts')}><${AlertsMini} alerts=${x.alerts} /></${Section}>
    ${isField(user) && html`<${Section} title=${t('visit.title')} testid="household-visit">
      <p class="hint">${f ? t('visit.hint') : t('visit.hint_open')}</p>
      <${VisitForm} hh=${x.ref || x.id} onDone=${setMsg} />
    </${Section}>`}
    ${f && html`<${Section} title=${t('household.file', { opened: fmtTime(f.opened), by: f.opened_by })} testid="household-file">
      <${DataTable} rows=${f.entries} rowKey=${(e) => e.id} rowTestid=${() => 'file-entry'}
        columns=${[
          { key: 'day', label: t('visit.day') },
          { key: 'type', label: t('service.type'), render: (e) => label('entry', e.type) },
          { key: 'kind', label: t('visit.kind'), render: (e) => (e.type === 'visit' ? label('visit_kind', e.kind) : e.kind) },
          { key: 'note', label: t('visit.note'), render: (e) => e.note || '—' },
          { key: 'needs', label: t('visit.needs'), render: (e) => e.needs || '—' },
          { key: 'result', label: t('service.result'), render: (e) => (e.result ? label('result', e.result) : '—') },
          { key: 'actor', label: t('service.actor') },
        ]} />
    </${Section}>`}
    <${Section} title=${t('household.timeline')} testid="household-timeline">
      ${tl.loading && html`<${Loading} />`}
      ${tl.data && html`<${Timeline} items=${tl.data.items} />`}
    </${Section}>
  </div>`;
}
