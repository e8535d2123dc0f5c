// alert.mjs — one alert: the explanation in plain words, the actions the
// role may take (sending `version`; 409 = changed by someone else), the
// verification form for a phone, attachments and history.
import { html, useState, useEffect, useRef } from '../lib/html.mjs';
import { t, label, fmtYuan, fmtTime, errorText, currentLang } from '../lib/i18n.mjs';
import { api, download, blobUrl } from '../lib/api.mjs';
import { href, areaName, areaPath, isOfficer, isOverdue, todayCN } from '../lib/util.mjs';
import { Loading, ErrorBox, Notice, StateBadge, DueBadge, Section, KeyValues, Field, useLoad } from '../lib/ui.mjs';
import { subjectLink, assignees } from './alerts.mjs';

export const OUTCOMES = ['enrolled', 'adjusted', 'referred', 'no_action', 'false_positive', 'unreachable'];
const ADJUSTMENTS = ['increase', 'decrease', 'stop'];

// 是/否/（空） as the engine writes them, in the UI's language
function termValue(v) {
  if (v === '是') return html`<span class="tv tv-yes">${t('explain.yes')}</span>`;
  if (v === '否') return html`<span class="tv tv-no">${t('explain.no')}</span>`;
  if (v === '（空）') return html`<span class="tv">${t('explain.empty')}</span>`;
  return html`<span class="tv">${v}</span>`;
}

function paramValue(p) {
  if (p.type === 'money') return fmtYuan(p.value);
  if (p.type === 'bool') return p.value === 'true' ? t('common.yes') : p.value === 'false' ? t('common.no') : p.value;
  return p.value;
}

export function Explanation({ entry, index, officer }) {
  const x = entry.explanation || {};
  const [showCond, setShowCond] = useState(false);
  return html`<article class="explain" data-testid="explanation" data-scan=${entry.scan}>
    <h3>${t('explain.heading', { n: index + 1 })} · ${entry.raised ? t('explain.raised') : t('explain.appended')}
      <span class="muted small"> · ${t('explain.scan', { scan: entry.scan })}</span></h3>
    <p class="explain-summary" data-testid="explanation-summary">
      ${entry.raised
        ? t('explain.summary', { as_of: x.as_of || entry.as_of, rule: x.rule, title: x.title, kind: label('kind', x.kind) })
        : t('explain.summary_appended', { as_of: x.as_of || entry.as_of, rule: x.rule, title: x.title })}
    </p>
    <h4>${t('explain.terms')}</h4>
    <ol class="terms" data-testid="explanation-terms">
      ${(x.terms || []).map((tm) => html`<li><code class="cond">${tm.text}</code> ${termValue(tm.value)}</li>`)}
    </ol>
    <button type="button" class="btn-link" onClick=${() => setShowCond(!showCond)} aria-expanded=${showCond}>
      ${showCond ? t('explain.hide_condition') : t('explain.show_condition')}</button>
    ${showCond && html`<pre class="condition" data-testid="explanation-condition">${x.condition}</pre>`}
    ${(x.params || []).length > 0 && html`<h4>${t('explain.params')}</h4>
      <ul class="params" data-testid="explanation-params">
        ${x.params.map((p) => html`<li>
          <b>${p.title || p.name}</b> <span class="muted mono small">(${p.name})</span> = <b class="pv">${paramValue(p)}</b>
          <div class="small">${t('explain.param_where', { area: p.area, area_name: areaName(p.area) || '', from: p.from })}
            ${p.source && html` ${t('explain.param_source', { source: p.source })}`}</div>
        </li>`)}
      </ul>`}
    <h4>${t('explain.facts')}</h4>
    ${(x.facts || []).length === 0 && html`<p class="muted">${t('explain.no_facts')}</p>`}
    <ol class="facts" data-testid="explanation-facts">
      ${(x.facts || []).map((f) => html`<li class="fact">
        <div class="fact-head"><b>${f.feed_title || f.feed}</b> <span class="muted">(${f.feed})</span>${' · '}${officer ? html`<a href=${href(['imports', f.batch])}>${t('explain.batch', { batch: f.batch })}</a>` : t('explain.batch', { batch: f.batch })}${' · '}${t('explain.row', { row: f.row })}</div>
        <dl class="kv kv-compact">
          ${Object.entries(f.values || {}).map(([k, v]) => html`<div class="kv-row"><dt>${k}</dt><dd>${v === '' ? '—' : v}</dd></div>`)}
        </dl>
      </li>`)}
    </ol>
    ${x.facts_truncated && html`<p class="muted">${t('explain.truncated')}</p>`}
    <p class="muted small mono">${t('explain.pack', { pack: (x.pack || '').slice(0, 12) })}</p>
  </article>`;
}

function History({ items }) {
  return html`<ol class="history" data-testid="alert-history">
    ${items.map((e) => html`<li>
      <div class="history-head">
        <span class="mono small">${fmtTime(e.at)}</span>
        <b>${e.actor || t('history.system')}</b>
        <span>${e.from ? html`${label('state', e.from)} → ` : ''}${label('state', e.to)}</span>
      </div>
      ${e.assignee && html`<div class="small">${t('history.assignee', { who: e.assignee })}</div>`}
      ${e.outcome && html`<div class="small">${t('history.outcome')}: <b>${label('outcome', e.outcome)}</b>
        ${e.benefit && html` · ${e.benefit}`}${e.adjustment && html` · ${label('adjustment', e.adjustment)}`}${e.department && html` · ${e.department}`}
        ${e.household && html` · ${t('history.household', { hh: e.household })}`}</div>`}
      ${e.note && html`<div class="note">${e.note}</div>`}
    </li>`)}
  </ol>`;
}

function AttachmentItem({ alertId, a }) {
  const [url, setUrl] = useState(null);
  const [err, setErr] = useState(null);
  useEffect(() => {
    let u = null;
    let live = true;
    if (a.mime.startsWith('image/') && a.mime !== 'image/heic') {
      blobUrl(`/alerts/${alertId}/attachments/${a.sha256}`).then((x) => { u = x; if (live) setUrl(x); }).catch(() => {});
    }
    return () => { live = false; if (u) URL.revokeObjectURL(u); };
  }, [a.sha256]);
  const get = () => download(`/alerts/${alertId}/attachments/${a.sha256}`, a.name).catch(setErr);
  return html`<li class="attachment" data-testid="attachment">
    ${url ? html`<img src=${url} alt=${a.name} class="thumb" />` : html`<span class="thumb thumb-file" aria-hidden="true">${a.mime === 'application/pdf' ? 'PDF' : '▤'}</span>`}
    <div class="attachment-meta">
      <div class="ellipsis">${a.name}</div>
      <div class="muted small">${Math.ceil(a.size / 1024)} KB · ${a.added_by} · ${fmtTime(a.added)}</div>
      <button type="button" class="btn btn-small btn-secondary" onClick=${get} data-testid="attachment-download">${t('attach.download')}</button>
      ${err && html`<span class="inline-error">${errorText(err)}</span>`}
    </div>
  </li>`;
}

function Attachments({ alert, canAttach, onAdded }) {
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(null);
  const [msg, setMsg] = useState('');
  const upload = async (e) => {
    const files = Array.from(e.target.files || []);
    e.target.value = '';
    if (!files.length) return;
    setBusy(true);
    setErr(null);
    setMsg('');
    try {
      for (const f of files) {
        if (f.size > 10 * 1024 * 1024) throw Object.assign(new Error(), { status: 413, message: t('attach.too_large', { name: f.name }) });
        const name = (f.name || `photo-${Date.now()}.jpg`).slice(0, 200);
        await api.upload(`/alerts/${alert.id}/attachments?name=${encodeURIComponent(name)}`, f);
      }
      setMsg(t('attach.done', { n: files.length }));
      onAdded();
    } catch (x) {
      setErr(x);
    } finally {
      setBusy(false);
    }
  };
  return html`<div data-testid="attachments">
    ${alert.attachments.length === 0 && html`<p class="muted">${t('attach.none')}</p>`}
    <ul class="attachments">${alert.attachments.map((a) => html`<${AttachmentItem} key=${a.sha256} alertId=${alert.id} a=${a} />`)}</ul>
    ${canAttach && html`<div class="attach-actions">
      <label class="btn btn-secondary btn-big file-btn" for="attach-photo">
        <svg aria-hidden="true" width="22" height="22" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"
          stroke-linecap="round" stroke-linejoin="round"><path d="M4 7h3l2-3h6l2 3h3a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1z"/>
          <circle cx="12" cy="13" r="4"/></svg> ${t('attach.photo')}
      </label>
      <input id="attach-photo" class="file-input" type="file" accept="image/*" capture="environment"
        onChange=${upload} disabled=${busy} data-testid="attach-photo" />
      <label class="btn btn-secondary btn-big file-btn" for="attach-file">${t('attach.file')}</label>
      <input id="attach-file" class="file-input" type="file" accept="image/*,application/pdf" multiple
        onChange=${upload} disabled=${busy} data-testid="attach-file" />
      ${busy && html`<span class="muted" role="status">${t('attach.uploading')}</span>`}
    </div>
    <p class="hint">${t('attach.hint')}</p>`}
    <${Notice} text=${msg} testid="attach-done" />
    <${ErrorBox} error=${err} testid="attach-error" />
  </div>`;
}

function VerifyForm({ alert, send, busy }) {
  const [outcome, setOutcome] = useState('');
  const [benefit, setBenefit] = useState('');
  const [adjustment, setAdjustment] = useState('');
  const [department, setDepartment] = useState('');
  const [note, setNote] = useState('');
  const ready = outcome && note.trim() &&
    (outcome !== 'enrolled' || benefit.trim()) && (outcome !== 'adjusted' || adjustment) && (outcome !== 'referred' || department.trim());
  const submit = (e) => {
    e.preventDefault();
    if (!ready) return;
    const body = { to: 'verified', outcome, note: note.trim() };
    if (outcome === 'enrolled') body.benefit = benefit.trim();
    if (outcome === 'adjusted') body.adjustment = adjustment;
    if (outcome === 'referred') body.department = department.trim();
    send(body);
  };
  const benefits = t('verify.benefit_suggestions').split('|');
  const departments = t('verify.department_suggestions').split('|');
  return html`<form class="verify-form" onSubmit=${submit} data-testid="verify-form">
    <h3>${t('verify.title')}</h3>
    <${Field} label=${t('verify.outcome')} id="verify-outcome" required=${true}>
      <select id="verify-outcome" value=${outcome} onChange=${(e) => setOutcome(e.target.value)} required data-testid="verify-outcome">
        <option value="">${t('verify.choose')}</option>
        ${OUTCOMES.map((o) => html`<option value=${o}>${label('outcome', o)}</option>`)}
      </select>
    </${Field}>
    ${outcome === 'enrolled' && html`<${Field} label=${t('verify.benefit')} id="verify-benefit" required=${true}>
      <input id="verify-benefit" list="benefit-list" value=${benefit} maxlength="200" onInput=${(e) => setBenefit(e.target.value)} data-testid="verify-benefit" />
      <datalist id="benefit-list">${benefits.map((b) => html`<option value=${b} />`)}</datalist>
    </${Field}>`}
    ${outcome === 'adjusted' && html`<${Field} label=${t('verify.adjustment')} id="verify-adjustment" required=${true}>
      <select id="verify-adjustment" value=${adjustment} onChange=${(e) => setAdjustment(e.target.value)} data-testid="verify-adjustment">
        <option value="">${t('verify.choose')}</option>
        ${ADJUSTMENTS.map((a) => html`<option value=${a}>${label('adjustment', a)}</option>`)}
      </select>
    </${Field}>`}
    ${outcome === 'referred' && html`<${Field} label=${t('verify.department')} id="verify-department" required=${true}>
      <input id="verify-department" list="department-list" value=${department} maxlength="200" onInput=${(e) => setDepartment(e.target.value)} data-testid="verify-department" />
      <datalist id="department-list">${departments.map((b) => html`<option value=${b} />`)}</datalist>
    </${Field}>`}
    <${Field} label=${t('verify.note')} id="verify-note" required=${true} hint=${t('verify.note_hint')}>
      <textarea id="verify-note" rows="4" maxlength="4000" value=${note} onInput=${(e) => setNote(e.target.value)} data-testid="verify-note"></textarea>
    </${Field}>
    <button type="submit" class="btn btn-primary btn-block btn-big" disabled=${!ready || busy} data-testid="verify-submit">
      ${busy ? t('common.saving') : t('verify.submit')}</button>
  </form>`;
}

function Actions({ alert, user, users, onChanged }) {
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(null);
  const [who, setWho] = useState('');
  const [note, setNote] = useState('');
  const [decision, setDecision] = useState('');
  const officer = isOfficer(user);
  const head = user.role === 'station_head';
  const mine = alert.assignee === user.name;
  const s = alert.state;

  const send = async (body) => {
    setBusy(true);
    setErr(null);
    try {
      await api.post(`/alerts/${alert.id}/transition`, { version: alert.version, ...body });
      setNote(''); setDecision(''); setWho('');
      onChanged(t(`action.done_${body.to}`, { id: alert.id }));
    } catch (e) {
      setErr(e);
    } finally {
      setBusy(false);
    }
  };

  const canAssign = s === 'new' && (officer || (head && alert.inbox === user.station));
  const canStart = (s === 'assigned' || s === 'returned') && (mine || head);
  const canVerify = s === 'verifying' && (mine || head);
  const canReview = s === 'verified' && officer;
  const any = canAssign || canStart || canVerify || canReview;
  const cands = assignees(users, alert);

  return html`<div class="actions" data-testid="alert-actions">
    ${err && html`<div class="msg msg-error" role="alert" data-testid="action-error">
      <span>${errorText(err)}</span>
      ${err.status === 409 && html`<button type="button" class="btn btn-small" onClick=${() => { setErr(null); onChanged(''); }}
        data-testid="conflict-reload">${t('common.reload')}</button>`}
    </div>`}
    ${!any && html`<p class="muted" data-testid="no-actions">${s === 'closed' ? t('action.none_closed') : t('action.none')}</p>`}
    ${canAssign && html`<form class="action-form" onSubmit=${(e) => { e.preventDefault(); if (who) send({ to: 'assigned', assignee: who, note: note.trim() || undefined }); }}>
      <h3>${t('action.assign_title')}</h3>
      <${Field} label=${t('assign.to')} id="assign-who">
        <select id="assign-who" value=${who} onChange=${(e) => setWho(e.target.value)} data-testid="assign-select">
          <option value="">${t('assign.choose')}</option>
          ${cands.map((u) => html`<option value=${u.name}>${u.name} · ${label('role', u.role)} · ${areaName(u.station) || u.station}</option>`)}
        </select>
      </${Field}>
      ${!cands.length && html`<p class="hint">${t('assign.nobody')}</p>`}
      <${Field} label=${t('action.note_optional')} id="assign-note">
        <input id="assign-note" value=${note} maxlength="4000" onInput=${(e) => setNote(e.target.value)} data-testid="assign-note" />
      </${Field}>
      <button type="submit" class="btn btn-primary btn-big" disabled=${!who || busy} data-testid="assign-button">${t('action.assign')}</button>
    </form>`}
    ${canStart && html`<div class="action-form">
      <p>${s === 'returned' ? t('action.start_returned') : t('action.start_hint')}</p>
      <button type="button" class="btn btn-primary btn-big btn-block" disabled=${busy}
        onClick=${() => send({ to: 'verifying' })} data-testid="action-start">${t('action.start')}</button>
    </div>`}
    ${canVerify && html`<${VerifyForm} alert=${alert} send=${send} busy=${busy} />`}
    ${canReview && html`<div class="action-form">
      <h3>${t('action.review_title')}</h3>
      <p class="hint">${t('action.close_hint')}</p>
      <${Field} label=${t('action.decision')} id="close-decision" required=${true}>
        <textarea id="close-decision" rows="3" maxlength="4000" value=${decision} onInput=${(e) => setDecision(e.target.value)} data-testid="close-decision"></textarea>
      </${Field}>
      <button type="button" class="btn btn-primary btn-big" disabled=${!decision.trim() || busy}
        onClick=${() => send({ to: 'closed', decision: decision.trim() })} data-testid="action-close">${t('action.close')}</button>
      <hr class="sep" />
      <${Field} label=${t('action.return_note')} id="return-note" required=${true}>
        <textarea id="return-note" rows="2" maxlength="4000" value=${note} onInput=${(e) => setNote(e.target.value)} data-testid="return-note"></textarea>
      </${Field}>
      <button type="button" class="btn btn-secondary btn-big" disabled=${!note.trim() || busy}
        onClick=${() => send({ to: 'returned', note: note.trim() })} data-testid="action-return">${t('action.return')}</button>
    </div>`}
  </div>`;
}

export function AlertPage({ user, id }) {
  const [msg, setMsg] = useState('');
  const alert = useLoad(() => api.get(`/alerts/${encodeURIComponent(id)}`), [id]);
  const officer = isOfficer(user);
  const needUsers = officer || user.role === 'station_head';
  const users = useLoad(() => (needUsers ? api.get('/users').then((r) => r.items).catch(() => []) : []), [needUsers]);
  const changed = (m) => { setMsg(m); alert.reload(); };

  if (alert.loading && !alert.data) return html`<div class="page"><${Loading} /></div>`;
  if (alert.error) return html`<div class="page"><${ErrorBox} error=${alert.error} onRetry=${alert.reload} /></div>`;
  const a = alert.data;
  const x0 = (a.explanations[0] && a.explanations[0].explanation) || {};
  const overdue = isOverdue(a, todayCN());
  const canAttach = ['admin', 'officer', 'station_head', 'worker'].includes(user.role) && a.state !== 'closed';

  return html`<div class="page page-alert" data-testid="alert-page" data-alert-id=${a.id} data-state=${a.state} data-version=${a.version}>
    <div class="page-head">
      <h1><span class="muted">#${a.id}</span> ${a.rule} ${x0.title || ''}</h1>
      <div class="head-badges"><${StateBadge} state=${a.state} /> <${DueBadge} overdue=${overdue} /></div>
    </div>
    <div class="alert-grid">
      <div class="alert-main">
        <${Section} title=${t('alert.summary')} testid="alert-summary">
          <${KeyValues} items=${[
            [t('alert.kind'), label('kind', a.kind)],
            [t('alert.subject'), html`${label('subject_type', a.subject_type)} ${subjectLink(a)}`],
            [t('alert.area'), html`${areaPath(a.area) || a.area} <span class="muted mono small">${a.area}</span>`],
            [t('alert.inbox'), html`${areaName(a.inbox) || a.inbox} <span class="muted mono small">${a.inbox}</span>`],
            [t('alert.assignee'), a.assignee],
            [t('alert.created'), fmtTime(a.created)],
            [t('alert.due'), html`${a.due} <${DueBadge} overdue=${overdue} />`],
            a.outcome && [t('alert.outcome'), label('outcome', a.outcome)],
            a.decision && [t('alert.decision'), a.decision],
            a.closed && [t('alert.closed'), fmtTime(a.closed)],
            [t('alert.version'), String(a.version)],
            a.cleared && [t('alert.cleared'), t('alert.cleared_hint')],
            a.evidence_revoked && [t('alert.evidence_revoked'), t('alert.evidence_revoked_hint')],
          ]} />
        </${Section}>
        <${Section} title=${t('alert.actions')} testid="alert-actions-card">
          <${Notice} text=${msg} testid="action-done" />
          <${Actions} alert=${a} user=${user} users=${users.data} onChanged=${changed} />
        </${Section}>
        <${Section} title=${t('alert.attachments')} testid="alert-attachments">
          <${Attachments} alert=${a} canAttach=${canAttach} onAdded=${() => alert.reload()} />
        </${Section}>
        <${Section} title=${t('alert.history')}>
          <${History} items=${a.history} />
        </${Section}>
      </div>
      <div class="alert-side">
        <${Section} title=${t('alert.explanation')} testid="alert-explanation">
          ${a.explanations.length === 0 && html`<p class="muted">${t('explain.none')}</p>`}
          ${a.explanations.map((e, i) => html`<${Explanation} key=${e.scan} entry=${e} index=${i} officer=${officer} />`)}
        </${Section}>
      </div>
    </div>
  </div>`;
}
