// rules.mjs — the pack's rules and their conditions, parameters with their
// sources, the rule tests, a dry-run scan as an impact preview, and (for a
// province-wide admin) a new dated parameter value.
import { html, useState, useEffect, useRef } from '../lib/html.mjs';
import { t, label, fmtNumber, fmtYuan } from '../lib/i18n.mjs';
import { api, pollJob } from '../lib/api.mjs';
import { href, areaName, isOfficer, todayCN } from '../lib/util.mjs';
import { Loading, ErrorBox, Notice, DataTable, Section, KeyValues, Field, Empty, useLoad } from '../lib/ui.mjs';

// the rule's file inside the pack (the API gives the server's path)
function packPath(f) {
  const parts = String(f || '').split('/');
  return parts.length > 2 ? parts.slice(-2).join('/') : f;
}

function paramText(type, v) {
  if (type === 'money') return fmtYuan(v);
  if (type === 'bool') return v === 'true' ? t('common.yes') : v === 'false' ? t('common.no') : v;
  return v || '—';
}

function RuleTests() {
  const [busy, setBusy] = useState(false);
  const [res, setRes] = useState(null);
  const [err, setErr] = useState(null);
  const run = async () => {
    setBusy(true); setErr(null); setRes(null);
    try { setRes(await api.post('/rules/test')); } catch (e) { setErr(e); } finally { setBusy(false); }
  };
  return html`<div data-testid="rule-tests">
    <button type="button" class="btn btn-primary" onClick=${run} disabled=${busy} data-testid="rules-test-run">
      ${busy ? t('rules.testing') : t('rules.test_run')}</button>
    <${ErrorBox} error=${err} />
    ${res && html`<div data-testid="rules-test-result" data-figures=${JSON.stringify({ cases: res.cases, passed: res.passed, failed: res.failed, checks: res.checks })}>
      <div class=${`msg ${res.failed ? 'msg-error' : 'msg-ok'}`}>${t('rules.test_summary', res)}</div>
      <details><summary>${t('rules.test_report')}</summary><pre class="report">${res.report}</pre></details>
    </div>`}
  </div>`;
}

function Preview({ generation }) {
  const [asOf, setAsOf] = useState(todayCN());
  const [job, setJob] = useState(null);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(null);
  const live = useRef(true);
  useEffect(() => () => { live.current = false; }, []);
  const run = async (e) => {
    e.preventDefault();
    setBusy(true); setErr(null); setJob(null);
    try {
      const s = await api.post('/scans', { dry_run: true, as_of: asOf });
      await pollJob(s.job, (j) => { if (live.current) setJob(j); }, { cancelled: () => !live.current });
    } catch (x) {
      setErr(x.timeout ? t('import.timeout') : x);
    } finally {
      setBusy(false);
    }
  };
  const r = job && job.state === 'done' ? job.result : null;
  // the rules the change affects first (a scan lists every rule, mostly 0)
  const moved = (id) => ((r.new || {})[id] || (r.appended || {})[id] || (r.cleared || {})[id] ? 0 : 1);
  const rules = r ? [...new Set([...Object.keys(r.new || {}), ...Object.keys(r.appended || {}), ...Object.keys(r.cleared || {})])]
    .sort((a, b) => moved(a) - moved(b) || a.localeCompare(b)) : [];
  return html`<form onSubmit=${run} data-testid="preview">
    <p class="hint">${t('rules.preview_hint')}</p>
    ${generation > 0 && html`<${Notice} kind="warn" text=${t('rules.preview_after_param')} />`}
    <div class="form-row">
      <${Field} label=${t('rules.as_of')} id="preview-asof">
        <input id="preview-asof" type="date" value=${asOf} max=${todayCN()} onInput=${(e) => setAsOf(e.target.value)} data-testid="preview-as-of" />
      </${Field}>
      <div class="field field-button"><button type="submit" class="btn btn-primary" disabled=${busy} data-testid="preview-run">
        ${busy ? t('rules.previewing') : t('rules.preview_run')}</button></div>
    </div>
    ${job && job.state !== 'done' && job.state !== 'failed' && html`<div class="progress-box" data-testid="preview-progress">
      ${t('import.job', { id: job.id, state: label('job', job.state) })} ${job.progress && job.progress.stage ? `· ${job.progress.stage}` : ''}
      <progress max="1" value=${job.progress && job.progress.total ? job.progress.done / job.progress.total : undefined}></progress></div>`}
    ${job && job.state === 'failed' && html`<div class="msg msg-error" role="alert">${job.error}</div>`}
    <${ErrorBox} error=${err} />
    ${r && html`<div data-testid="preview-result" data-figures=${JSON.stringify({ new: r.new, appended: r.appended, cleared: r.cleared, new_total: r.new_total })}>
      <p>${t('rules.preview_summary', { as_of: r.as_of, new: r.new_total, appended: r.appended_total, cleared: r.cleared_total, persons: fmtNumber(r.persons), households: fmtNumber(r.households) })}</p>
      <${DataTable} testid="preview-table" rows=${rules.map((id) => ({ id, n: (r.new || {})[id] || 0, a: (r.appended || {})[id] || 0, c: (r.cleared || {})[id] || 0 }))}
        rowKey=${(x) => x.id} columns=${[
          { key: 'id', label: t('alert.rule'), render: (x) => html`<a href=${href(['rules', x.id])}>${x.id}</a>` },
          { key: 'n', label: t('rules.new'), cls: 'num' },
          { key: 'a', label: t('rules.appended'), cls: 'num' },
          { key: 'c', label: t('rules.cleared'), cls: 'num' },
        ]} />
    </div>`}
  </form>`;
}

function ParamForm({ params, onSaved }) {
  const [name, setName] = useState('');
  const [from, setFrom] = useState(todayCN());
  const [area, setArea] = useState('44');
  const [value, setValue] = useState('');
  const [source, setSource] = useState('');
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(null);
  const p = params.find((x) => x.name === name);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true); setErr(null);
    try {
      const r = await api.post(`/params/${encodeURIComponent(name)}`, { from, area: area.trim(), value: value.trim(), source: source.trim() });
      setValue(''); setSource('');
      onSaved(t('params.saved', { name, version: (r.pack_version || '').slice(0, 12) }));
    } catch (x) {
      setErr(x);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="action-form" onSubmit=${submit} data-testid="param-form">
    <h3>${t('params.add_title')}</h3>
    <div class="form-row">
      <${Field} label=${t('params.name')} id="param-name" required=${true}>
        <select id="param-name" value=${name} onChange=${(e) => setName(e.target.value)} data-testid="param-name">
          <option value="">${t('verify.choose')}</option>
          ${params.map((x) => html`<option value=${x.name}>${x.name} · ${x.title}</option>`)}
        </select>
      </${Field}>
      <${Field} label=${t('params.from')} id="param-from" required=${true}>
        <input id="param-from" type="date" value=${from} onInput=${(e) => setFrom(e.target.value)} data-testid="param-from" />
      </${Field}>
      <${Field} label=${t('params.area')} id="param-area" required=${true} hint=${areaName(area) || ''}>
        <input id="param-area" value=${area} inputmode="numeric" maxlength="12" onInput=${(e) => setArea(e.target.value)} data-testid="param-area" />
      </${Field}>
      <${Field} label=${t('params.value')} id="param-value" required=${true} hint=${p ? t('params.type_hint', { type: p.type }) : ''}>
        <input id="param-value" value=${value} maxlength="1000" onInput=${(e) => setValue(e.target.value)} data-testid="param-value" />
      </${Field}>
    </div>
    <${Field} label=${t('params.source')} id="param-source" required=${true}>
      <input id="param-source" value=${source} maxlength="500" onInput=${(e) => setSource(e.target.value)} data-testid="param-source" />
    </${Field}>
    <${ErrorBox} error=${err} testid="param-error" />
    <button type="submit" class="btn btn-primary" disabled=${busy || !name || !value.trim() || !source.trim() || !from || !area.trim()}
      data-testid="param-submit">${t('params.submit')}</button>
  </form>`;
}

export function RulesPage({ user }) {
  const [msg, setMsg] = useState('');
  const [gen, setGen] = useState(0);
  const rules = useLoad(() => api.get('/rules'), [gen]);
  const params = useLoad(() => api.get('/params'), [gen]);
  const officer = isOfficer(user);
  const admin = user.role === 'admin' && user.scope.length <= 2;
  return html`<div class="page" data-testid="rules-page">
    <div class="page-head"><h1>${t('rules.title')}</h1></div>
    <${Notice} text=${msg} testid="param-saved" />
    <${Section} title=${t('rules.rules')} testid="rules-list">
      ${rules.loading && html`<${Loading} />`}
      <${ErrorBox} error=${rules.error} onRetry=${rules.reload} />
      ${rules.data && html`<p class="muted small">${t('rules.pack', { title: rules.data.title, pack: rules.data.pack, version: rules.data.version.slice(0, 12) })}</p>
        <${DataTable} testid="rules-table" rows=${rules.data.items} rowKey=${(r) => r.id} rowTestid=${() => 'rule-row'}
          columns=${[
            { key: 'id', label: t('alert.rule'), render: (r) => html`<a class="row-link" href=${href(['rules', r.id])}>${r.id}</a>` },
            { key: 'title', label: t('rules.rule_title') },
            { key: 'kind', label: t('alert.kind'), render: (r) => label('kind', r.kind) },
            { key: 'subject_type', label: t('rules.subject'), render: (r) => label('subject_type', r.subject_type) },
            { key: 'file', label: t('rules.file'), render: (r) => html`<span class="mono small">${packPath(r.file)}:${r.line}</span>` },
          ]} />`}
    </${Section}>
    ${officer && html`<${Section} title=${t('rules.tests')} testid="rules-tests"><${RuleTests} /></${Section}>`}
    ${officer && html`<${Section} title=${t('rules.preview')} testid="rules-preview"><${Preview} generation=${gen} /></${Section}>`}
    <${Section} title=${t('params.title')} testid="params-list">
      ${params.loading && html`<${Loading} />`}
      <${ErrorBox} error=${params.error} onRetry=${params.reload} />
      ${admin && params.data && html`<${ParamForm} params=${params.data.items} onSaved=${(m) => { setMsg(m); setGen((g) => g + 1); }} />`}
      ${params.data && params.data.items.map((p) => html`<div class="param" data-testid="param" data-name=${p.name}>
        <h3>${p.title} <span class="muted mono small">${p.name} · ${p.type}</span></h3>
        <${DataTable} rows=${p.values} rowKey=${(v, i) => i} columns=${[
          { key: 'from', label: t('params.from') },
          { key: 'area', label: t('params.area'), render: (v) => html`${areaName(v.area) || v.area} <span class="muted mono small">${v.area}</span>` },
          { key: 'value', label: t('params.value'), render: (v) => paramText(p.type, v.value) },
          { key: 'source', label: t('params.source'), render: (v) => v.source || '—' },
        ]} />
      </div>`)}
    </${Section}>
  </div>`;
}

export function RulePage({ id }) {
  const r = useLoad(() => api.get(`/rules/${encodeURIComponent(id)}`), [id]);
  if (r.loading && !r.data) return html`<div class="page"><${Loading} /></div>`;
  if (r.error) return html`<div class="page"><${ErrorBox} error=${r.error} onRetry=${r.reload} /></div>`;
  const x = r.data;
  return html`<div class="page" data-testid="rule-page">
    <div class="page-head"><h1>${x.id} ${x.title}</h1></div>
    <${Section}>
      <${KeyValues} items=${[
        [t('alert.kind'), label('kind', x.kind)], [t('rules.subject'), label('subject_type', x.subject_type)],
        [t('rules.file'), html`<span class="mono">${packPath(x.file)}:${x.line}</span>`],
      ]} />
      <h3>${t('rules.condition')}</h3>
      <pre class="condition" data-testid="rule-condition">${x.condition}</pre>
      <p><a class="btn btn-secondary" href=${href(['alerts'], { rule: x.id })}>${t('rules.alerts_of')}</a></p>
    </${Section}>
  </div>`;
}
