// stations.mjs — the township stations in scope, and a station's records
// (staff, volunteers, organizations, resources, affairs) and inbox counts.
import { html, useState } from '../lib/html.mjs';
import { t, label, fmtNumber, fmtTime, fmtYuan } from '../lib/i18n.mjs';
import { api } from '../lib/api.mjs';
import { href, go, areaName, areaPath, isOfficer, todayCN } from '../lib/util.mjs';
import { Loading, ErrorBox, Notice, DataTable, ExportButton, Section, KeyValues, Field, Tabs, Empty, useLoad } from '../lib/ui.mjs';

const KINDS = ['staff', 'volunteer', 'org', 'resource', 'affair'];

export function StationsPage({ user, query }) {
  const area = query.area || '';
  const [text, setText] = useState(area);
  const [type, setType] = useState('station');
  const list = useLoad(() => api.get('/stations', { area }), [area]);
  const items = list.data ? list.data.items.filter((s) => !type || s.type === type) : [];
  return html`<div class="page" data-testid="stations-page">
    <div class="page-head"><h1>${t('stations.title')}</h1>
      <${ExportButton} path="/stations" params=${{ area }} name="stations" /></div>
    <form class="filters card" onSubmit=${(e) => { e.preventDefault(); go(['stations'], { area: text.trim() }); }}>
      <div class="field"><label for="st-area">${t('alert.area_prefix')}</label>
        <input id="st-area" value=${text} inputmode="numeric" maxlength="12" pattern="[0-9]{1,12}" placeholder=${user.scope}
          onInput=${(e) => setText(e.target.value)} data-testid="stations-area" /></div>
      <div class="field"><label for="st-type">${t('stations.type')}</label>
        <select id="st-type" value=${type} onChange=${(e) => setType(e.target.value)} data-testid="stations-type">
          <option value="">${t('common.all')}</option>
          <option value="station">${label('station_type', 'station')}</option>
          <option value="point">${label('station_type', 'point')}</option>
        </select></div>
      <div class="field field-button"><button type="submit" class="btn btn-primary">${t('common.apply')}</button></div>
    </form>
    ${list.loading && html`<${Loading} />`}
    <${ErrorBox} error=${list.error} onRetry=${list.reload} />
    ${list.data && html`<p class="muted small">${t('stations.count', { n: fmtNumber(items.length) })}</p>
      <${DataTable} testid="stations-table" rows=${items.slice(0, 500)} rowKey=${(s) => s.code} rowTestid=${() => 'station-row'}
        columns=${[
          { key: 'code', label: t('stations.code'), render: (s) => (s.type === 'station'
            ? html`<a class="row-link mono" href=${href(['stations', s.code])}>${s.code}</a>` : html`<span class="mono">${s.code}</span>`) },
          { key: 'name', label: t('stations.name') },
          { key: 'type', label: t('stations.type'), render: (s) => label('station_type', s.type) },
          { key: 'area', label: t('alert.area'), render: (s) => areaPath(s.code.slice(0, 6)) },
        ]} />
      ${items.length > 500 && html`<p class="hint">${t('stations.more', { n: items.length - 500 })}</p>`}`}
  </div>`;
}

function recordColumns(kind) {
  const c = (key, lbl, render) => ({ key, label: t(lbl), render });
  switch (kind) {
    case 'staff': return [c('name', 'rec.name'), c('qualification', 'rec.qualification', (r) => label('qualification', r.qualification)), c('phone', 'rec.phone', (r) => r.phone || '—')];
    case 'volunteer': return [c('name', 'rec.name'), c('phone', 'rec.phone', (r) => r.phone || '—'), c('hours', 'rec.hours', (r) => fmtNumber(r.hours))];
    case 'org': return [c('name', 'rec.name'), c('registration', 'rec.registration'), c('services', 'rec.services', (r) => r.services || '—')];
    case 'resource': return [c('day', 'rec.day'), c('donor', 'rec.donor'), c('amount', 'rec.amount', (r) => fmtYuan(r.amount_yuan)), c('purpose', 'rec.purpose', (r) => r.purpose || '—')];
    case 'affair': return [c('day', 'rec.day'), c('summary', 'rec.summary')];
    default: return [];
  }
}

const FORM_FIELDS = {
  staff: [['name', 'text', true], ['qualification', 'qual', true], ['phone', 'tel', false]],
  volunteer: [['name', 'text', true], ['phone', 'tel', false], ['hours', 'decimal', false]],
  org: [['name', 'text', true], ['registration', 'text', true], ['services', 'text', false]],
  resource: [['donor', 'text', true], ['amount_yuan', 'decimal', true], ['day', 'date', true], ['purpose', 'text', false]],
  affair: [['day', 'date', true], ['summary', 'text', true]],
};

function RecordForm({ code, kind, onDone }) {
  const [v, setV] = useState({});
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const fields = FORM_FIELDS[kind];
  const ready = fields.every(([k, , req]) => !req || (v[k] || '').trim());
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true); setErr(null);
    try {
      const body = {};
      for (const [k] of fields) if ((v[k] || '').trim()) body[k] = v[k].trim();
      await api.post(`/stations/${code}/records/${kind}`, body);
      setV({});
      onDone();
    } catch (x) { setErr(x); } finally { setBusy(false); }
  };
  return html`<form class="action-form" onSubmit=${submit} data-testid="record-form">
    <h3>${t('rec.add', { kind: label('record_kind', kind) })}</h3>
    <div class="form-row">
      ${fields.map(([k, type, req]) => html`<${Field} label=${t(`rec.${k === 'amount_yuan' ? 'amount' : k}`)} id=${`rec-${k}`} required=${req}>
        ${type === 'qual'
          ? html`<select id=${`rec-${k}`} value=${v[k] || ''} onChange=${(e) => setV({ ...v, [k]: e.target.value })} data-testid=${`rec-${k}`}>
              <option value="">${t('verify.choose')}</option>
              ${['assistant', 'intermediate', 'senior', 'none'].map((q) => html`<option value=${q}>${label('qualification', q)}</option>`)}
            </select>`
          : html`<input id=${`rec-${k}`} type=${type === 'date' ? 'date' : type === 'tel' ? 'tel' : 'text'}
              inputmode=${type === 'decimal' ? 'decimal' : undefined} max=${type === 'date' ? todayCN() : undefined}
              value=${v[k] || ''} onInput=${(e) => setV({ ...v, [k]: e.target.value })} data-testid=${`rec-${k}`} />`}
      </${Field}>`)}
    </div>
    <${ErrorBox} error=${err} />
    <button type="submit" class="btn btn-primary" disabled=${!ready || busy} data-testid="record-submit">${t('common.save')}</button>
  </form>`;
}

export function StationPage({ user, code }) {
  const [kind, setKind] = useState('staff');
  const [n, setN] = useState(0);
  const st = useLoad(() => api.get(`/stations/${encodeURIComponent(code)}`), [code]);
  const inbox = useLoad(() => api.get('/inbox', { kind: 'station', code, limit: 1 }).catch(() => null), [code]);
  const recs = useLoad(() => api.get(`/stations/${encodeURIComponent(code)}/records/${kind}`), [code, kind, n]);
  const canAdd = isOfficer(user) || (user.role === 'station_head' && user.station === code);
  if (st.loading && !st.data) return html`<div class="page"><${Loading} /></div>`;
  if (st.error) return html`<div class="page"><${ErrorBox} error=${st.error} onRetry=${st.reload} /></div>`;
  const s = st.data;
  const c = inbox.data && inbox.data.counts;
  return html`<div class="page" data-testid="station-page" data-code=${s.code}>
    <div class="page-head"><h1>${s.name} <span class="muted mono small">${s.code}</span></h1></div>
    <div class="two-col">
      <${Section} title=${t('stations.basic')}>
        <${KeyValues} items=${[
          [t('stations.code'), html`<span class="mono">${s.code}</span>`], [t('stations.type'), label('station_type', s.type)],
          [t('alert.area'), areaPath(s.code)], [t('stations.created'), fmtTime(s.created)],
        ]} />
      </${Section}>
      <${Section} title=${t('stations.inbox')} testid="station-inbox">
        ${c ? html`<div class="counts" data-testid="station-inbox-counts" data-figures=${JSON.stringify(c)}>
          <div class="count"><span class="count-n">${fmtNumber(c.open)}</span><span class="count-l">${t('inbox.open')}</span></div>
          <div class="count count-overdue"><span class="count-n">${fmtNumber(c.overdue)}</span><span class="count-l">${t('inbox.overdue')}</span></div>
          <div class="count count-soon"><span class="count-n">${fmtNumber(c.due_soon)}</span><span class="count-l">${t('inbox.due_soon')}</span></div>
        </div>
        <p><a class="btn btn-secondary" href=${href(['inbox'], { kind: 'station', code: s.code })}>${t('stations.open_inbox')}</a></p>`
        : html`<p class="muted">${t('stations.no_inbox')}</p>`}
      </${Section}>
    </div>
    <${Section} title=${t('stations.records')} testid="station-records"
      actions=${html`<${ExportButton} path=${`/stations/${s.code}/records/${kind}`} name=${`${s.code}-${kind}`} />`}>
      <${Tabs} tabs=${KINDS.map((k) => ({ id: k, label: label('record_kind', k) }))} current=${kind} onChange=${setKind} testid="record-tabs" />
      ${recs.loading && html`<${Loading} />`}
      <${ErrorBox} error=${recs.error} onRetry=${recs.reload} />
      ${recs.data && html`<${DataTable} testid="records-table" rows=${recs.data.items} rowKey=${(r) => r.id} rowTestid=${() => 'record-row'}
        columns=${[...recordColumns(kind), { key: 'added', label: t('rec.added'), render: (r) => html`${fmtTime(r.added)} · ${r.added_by}` }]} />`}
      ${canAdd && html`<${RecordForm} key=${kind} code=${s.code} kind=${kind} onDone=${() => setN((x) => x + 1)} />`}
    </${Section}>
  </div>`;
}
