// imports.mjs — upload a feed file (a job, polled every second), its counts
// and rejected rows, the batches, and the review queue of identity numbers.
import { html, useState, useEffect, useRef } from '../lib/html.mjs';
import { t, label, fmtNumber, fmtTime, errorText, currentLang } from '../lib/i18n.mjs';
import { api, uploadWithProgress, pollJob } from '../lib/api.mjs';
import { href, go, isOfficer } from '../lib/util.mjs';
import { Loading, ErrorBox, Notice, DataTable, ExportButton, Section, KeyValues, Field, Empty, useLoad } from '../lib/ui.mjs';

const COUNT_KEYS = ['rows', 'accepted', 'unchanged', 'updated', 'rejected', 'review', 'corrected'];

function Counts({ c, testid }) {
  return html`<div class="figs figs-small" data-testid=${testid} data-figures=${JSON.stringify(c)}>
    ${COUNT_KEYS.map((k) => html`<div class=${`fig ${k === 'rejected' && c[k] ? 'fig-alert' : ''}`}>
      <span class="fig-n">${fmtNumber(c[k] || 0)}</span><span class="fig-l">${t(`import.${k}`)}</span></div>`)}
  </div>`;
}

function Rejects({ batch }) {
  const r = useLoad(() => api.get(`/imports/${batch}/rejects`), [batch]);
  return html`<div>
    <div class="card-head"><h3>${t('import.rejects', { batch })}</h3>
      <${ExportButton} path=${`/imports/${batch}/rejects`} name=${`rejects-${batch}`} testid="export-rejects" /></div>
    ${r.loading && html`<${Loading} />`}
    <${ErrorBox} error=${r.error} onRetry=${r.reload} />
    ${r.data && html`<${DataTable} testid="import-rejects" rows=${r.data.items} rowKey=${(x, i) => `${x.row}-${i}`} rowTestid=${() => 'reject-row'}
      columns=${[
        { key: 'row', label: t('import.row'), cls: 'num' },
        { key: 'column', label: t('import.column'), render: (x) => x.column || '—' },
        { key: 'reason', label: t('import.reason'), render: (x) => (currentLang() === 'en' ? x.reason_en || x.reason : x.reason) },
        { key: 'original', label: t('import.original'), render: (x) => html`<code class="small wrap">${x.original}</code>` },
      ]} />`}
  </div>`;
}

function Uploader({ feeds, onDone }) {
  const [feed, setFeed] = useState('');
  const [file, setFile] = useState(null);
  const [phase, setPhase] = useState('');
  const [sent, setSent] = useState(0);
  const [job, setJob] = useState(null);
  const [err, setErr] = useState(null);
  const fileRef = useRef(null);
  const live = useRef(true);
  useEffect(() => () => { live.current = false; }, []);

  const submit = async (e) => {
    e.preventDefault();
    if (!feed.trim() || !file) return;
    setErr(null);
    setJob(null);
    setPhase('upload');
    setSent(0);
    try {
      const q = `?feed=${encodeURIComponent(feed.trim())}&name=${encodeURIComponent(file.name)}`;
      const started = await uploadWithProgress(`/imports${q}`, file, (a, b) => setSent(b ? a / b : 0));
      setPhase('job');
      const done = await pollJob(started.job, (j) => { if (live.current) setJob(j); }, { cancelled: () => !live.current });
      setPhase(done.state);
      if (done.state === 'done') onDone();
    } catch (x) {
      setErr(x.timeout ? t('import.timeout') : x);
      setPhase('');
    }
  };

  const prog = job && job.progress;
  const pct = phase === 'upload' ? sent : prog && prog.total ? prog.done / prog.total : null;
  const res = job && job.state === 'done' ? job.result : null;
  return html`<form class="import-form" onSubmit=${submit} data-testid="import-form">
    <div class="form-row">
      <${Field} label=${t('import.feed')} id="import-feed" hint=${t('import.feed_hint')} required=${true}>
        <input id="import-feed" list="feed-list" value=${feed} maxlength="64" autocomplete="off"
          onInput=${(e) => setFeed(e.target.value)} data-testid="import-feed" />
        <datalist id="feed-list">${feeds.map((f) => html`<option value=${f} />`)}</datalist>
      </${Field}>
      <${Field} label=${t('import.file')} id="import-file" hint=${t('import.file_hint')} required=${true}>
        <input id="import-file" type="file" ref=${fileRef} accept=".csv,.tsv,.txt,.xlsx,.jsonl,.json"
          onChange=${(e) => setFile(e.target.files[0] || null)} data-testid="import-file" />
      </${Field}>
    </div>
    <button type="submit" class="btn btn-primary btn-big" disabled=${!feed.trim() || !file || phase === 'upload' || phase === 'job'}
      data-testid="import-submit">${t('import.submit')}</button>
    ${(phase === 'upload' || phase === 'job') && html`<div class="progress-box" data-testid="import-progress" data-phase=${phase}
        data-state=${job ? job.state : 'upload'}>
      <div>${phase === 'upload' ? t('import.uploading') : t('import.job', { id: job ? job.id : '…', state: job ? label('job', job.state) : '' })}
        ${prog && prog.stage && html` · ${prog.stage}`}</div>
      <progress max="1" value=${pct == null ? undefined : pct} aria-label=${t('import.progress')}></progress>
    </div>`}
    <${ErrorBox} error=${err} testid="import-error" />
    ${job && job.state === 'failed' && html`<div class="msg msg-error" role="alert" data-testid="import-failed">${t('import.failed', { error: job.error || '' })}</div>`}
    ${res && html`<div class="import-result" data-testid="import-result" data-batch=${res.batch}>
      <${Notice} text=${res.already_imported ? t('import.already', { batch: res.batch }) : t('import.done', { batch: res.batch, feed: res.feed, file: res.file })} />
      <p class="muted small">${t('import.format', { format: res.format, encoding: res.encoding })}</p>
      <${Counts} c=${res} testid="import-counts" />
      ${res.review > 0 && html`<p><a href="#/review">${t('import.go_review', { n: res.review })}</a></p>`}
      ${res.rejected > 0 && html`<${Rejects} batch=${res.batch} />`}
    </div>`}
  </form>`;
}

export function ReviewQueue({ standalone, refresh = 0 }) {
  const [cursor, setCursor] = useState('');
  const [stack, setStack] = useState([]);
  const [msg, setMsg] = useState('');
  // refresh: the imports page counts finished uploads (an import may add items)
  const q = useLoad(() => api.get('/review', { state: 'open', cursor: cursor || undefined }), [cursor, msg, refresh]);
  const [links, setLinks] = useState({});
  const [errs, setErrs] = useState({});
  const decide = async (item, body) => {
    setErrs({ ...errs, [item.id]: null });
    try {
      const r = await api.post(`/review/${item.id}`, body);
      setMsg(t(`review.done_${r.state}`, { id: item.id }));
    } catch (e) {
      setErrs({ ...errs, [item.id]: e });
    }
  };
  return html`<div data-testid="review-queue">
    <${Notice} text=${msg} testid="review-done" />
    ${q.loading && html`<${Loading} />`}
    <${ErrorBox} error=${q.error} onRetry=${q.reload} />
    ${q.data && html`<${DataTable} testid="review-table" rows=${q.data.items} rowKey=${(x) => x.id} rowTestid=${() => 'review-row'}
      columns=${[
        { key: 'id', label: t('review.id'), cls: 'num' },
        { key: 'feed', label: t('import.feed'), render: (x) => html`${x.feed} · <a href=${href(['imports', x.batch])}>${t('explain.batch', { batch: x.batch })}</a> · ${t('explain.row', { row: x.row })}` },
        { key: 'idno_raw', label: t('review.idno'), render: (x) => html`<span class="mono">${x.idno_raw}</span>` },
        { key: 'name', label: t('person.name') },
        { key: 'reason', label: t('import.reason') },
        { key: 'act', label: t('review.decide'), render: (x) => html`<div class="review-act">
          <label class="sr-only" for=${`rv-${x.id}`}>${t('review.link_to')}</label>
          <input id=${`rv-${x.id}`} class="mono" maxlength="18" placeholder=${t('review.link_placeholder')} value=${links[x.id] || ''}
            onInput=${(e) => setLinks({ ...links, [x.id]: e.target.value })} data-testid="review-link-input" />
          <button type="button" class="btn btn-small btn-primary" disabled=${!(links[x.id] || '').trim()}
            onClick=${() => decide(x, { link: links[x.id].trim() })} data-testid="review-link">${t('review.link')}</button>
          <button type="button" class="btn btn-small btn-secondary" onClick=${() => decide(x, { discard: true })}
            data-testid="review-discard">${t('review.discard')}</button>
          ${errs[x.id] && html`<span class="inline-error" role="alert">${errorText(errs[x.id])}</span>`}
        </div>` },
      ]} />
      ${(stack.length > 0 || q.data.next) && html`<div class="pager">
        <button type="button" class="btn btn-secondary" disabled=${!stack.length} onClick=${() => { const s = stack.slice(); const c = s.pop(); setStack(s); setCursor(c); }}>${t('common.prev')}</button>
        <button type="button" class="btn btn-secondary" disabled=${!q.data.next} onClick=${() => { setStack([...stack, cursor]); setCursor(q.data.next); }}>${t('common.next')}</button>
      </div>`}`}
  </div>`;
}

export function ImportsPage({ user }) {
  const [n, setN] = useState(0);
  const batches = useLoad(() => api.get('/imports', { limit: 100 }), [n]);
  const officer = isOfficer(user);
  const feeds = batches.data ? [...new Set(batches.data.items.map((b) => b.feed))].sort() : [];
  return html`<div class="page" data-testid="imports-page">
    <div class="page-head"><h1>${t('import.title')}</h1></div>
    ${officer && html`<${Section} title=${t('import.upload')} testid="import-upload">
      <${Uploader} feeds=${feeds} onDone=${() => setN((x) => x + 1)} />
    </${Section}>`}
    <${Section} title=${t('import.batches')} testid="import-batches"
      actions=${html`<${ExportButton} path="/imports" params=${{ limit: 100 }} name="imports" />`}>
      ${batches.loading && html`<${Loading} />`}
      <${ErrorBox} error=${batches.error} onRetry=${batches.reload} />
      ${batches.data && html`<${DataTable} testid="batches-table" rows=${batches.data.items} rowKey=${(b) => b.id} rowTestid=${() => 'batch-row'}
        columns=${[
          { key: 'id', label: t('import.batch'), render: (b) => html`<a class="row-link" href=${href(['imports', b.id])}>${b.id}</a>` },
          { key: 'feed', label: t('import.feed') },
          { key: 'file', label: t('import.file'), render: (b) => html`<span class="wrap">${b.file}</span>` },
          { key: 'state', label: t('import.state'), render: (b) => label('batch', b.state) },
          { key: 'rows', label: t('import.rows'), cls: 'num', render: (b) => fmtNumber(b.counts.rows) },
          { key: 'accepted', label: t('import.accepted'), cls: 'num', render: (b) => fmtNumber(b.counts.accepted) },
          { key: 'updated', label: t('import.updated'), cls: 'num', render: (b) => fmtNumber(b.counts.updated) },
          { key: 'rejected', label: t('import.rejected'), cls: 'num', render: (b) => fmtNumber(b.counts.rejected) },
          { key: 'review', label: t('import.review'), cls: 'num', render: (b) => fmtNumber(b.counts.review) },
          { key: 'created', label: t('import.created'), render: (b) => html`${fmtTime(b.created)}${b.actor ? ` · ${b.actor}` : ''}` },
        ]} />`}
    </${Section}>
    ${officer && html`<${Section} title=${t('review.title')} testid="import-review"
      actions=${html`<${ExportButton} path="/review" params=${{ state: 'open' }} name="review" testid="export-review" />`}>
      <p class="hint">${t('review.hint')}</p>
      <${ReviewQueue} refresh=${n} />
    </${Section}>`}
  </div>`;
}

export function ReviewPage() {
  return html`<div class="page">
    <div class="page-head"><h1>${t('review.title')}</h1>
      <${ExportButton} path="/review" params=${{ state: 'open' }} name="review" testid="export-review" /></div>
    <p class="hint">${t('review.hint')}</p>
    <${ReviewQueue} standalone=${true} />
  </div>`;
}

export function BatchPage({ user, id }) {
  const b = useLoad(() => api.get(`/imports/${encodeURIComponent(id)}`), [id]);
  const [reason, setReason] = useState('');
  const [msg, setMsg] = useState('');
  const [err, setErr] = useState(null);
  const revoke = async (e) => {
    e.preventDefault();
    setErr(null);
    if (!window.confirm(t('batch.revoke_confirm', { id }))) return;
    try {
      const r = await api.post(`/imports/${id}/revoke`, { reason: reason.trim() });
      setMsg(t('batch.revoked_done', { n: r.alerts_flagged }));
      b.reload();
    } catch (x) {
      setErr(x);
    }
  };
  if (b.loading && !b.data) return html`<div class="page"><${Loading} /></div>`;
  if (b.error) return html`<div class="page"><${ErrorBox} error=${b.error} onRetry=${b.reload} /></div>`;
  const x = b.data;
  return html`<div class="page" data-testid="batch-page">
    <div class="page-head"><h1>${t('batch.title', { id: x.id, feed: x.feed })}</h1></div>
    <${Notice} text=${msg} />
    <${Section} title=${t('batch.summary')}>
      <${KeyValues} items=${[
        [t('import.file'), x.file], [t('import.feed'), x.feed], [t('import.state'), label('batch', x.state)],
        [t('batch.format'), `${x.format} · ${x.encoding}`], [t('import.created'), `${fmtTime(x.created)}${x.actor ? ` · ${x.actor}` : ''}`],
        [t('batch.published_at'), fmtTime(x.published)], x.revoked && [t('batch.revoked_at'), fmtTime(x.revoked)],
      ]} />
      <${Counts} c=${x.counts} testid="batch-counts" />
    </${Section}>
    <${Section}><${Rejects} batch=${x.id} /></${Section}>
    ${isOfficer(user) && x.state === 'published' && html`<${Section} title=${t('batch.revoke')}>
      <form onSubmit=${revoke} class="action-form">
        <p class="hint">${t('batch.revoke_hint')}</p>
        <${Field} label=${t('batch.reason')} id="revoke-reason" required=${true}>
          <textarea id="revoke-reason" rows="2" maxlength="2000" value=${reason} onInput=${(e) => setReason(e.target.value)} data-testid="batch-revoke-reason"></textarea>
        </${Field}>
        <${ErrorBox} error=${err} />
        <button type="submit" class="btn btn-danger" disabled=${!reason.trim()} data-testid="batch-revoke">${t('batch.revoke')}</button>
      </form>
    </${Section}>`}
  </div>`;
}
