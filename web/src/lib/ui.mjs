// ui.mjs — small shared components: messages, tables that become cards on a
// phone, the Excel export button, badges, fields.
import { html, useState, useEffect } from './html.mjs';
import { t, label, errorText } from './i18n.mjs';
import { download, qs } from './api.mjs';

export function Loading() {
  return html`<p class="loading" role="status">${t('common.loading')}</p>`;
}

export function ErrorBox({ error, onRetry, testid = 'error' }) {
  if (!error) return null;
  const text = typeof error === 'string' ? error : errorText(error);
  return html`<div class="msg msg-error" role="alert" data-testid=${testid}>
    <span>${text}</span>
    ${onRetry && html`<button type="button" class="btn btn-small" onClick=${onRetry}>${t('common.reload')}</button>`}
  </div>`;
}

export function Notice({ text, kind = 'ok', testid = 'notice' }) {
  if (!text) return null;
  return html`<div class=${`msg msg-${kind}`} role="status" data-testid=${testid}>${text}</div>`;
}

export function Empty({ text }) {
  return html`<p class="empty">${text || t('common.empty')}</p>`;
}

// The result of an async loader, reloaded when deps change.
export function useLoad(fn, deps) {
  const [state, set] = useState({ loading: true, data: null, error: null });
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    set((s) => ({ ...s, loading: true, error: null }));
    Promise.resolve()
      .then(fn)
      .then((data) => { if (live) set({ loading: false, data, error: null }); })
      .catch((error) => { if (live) set({ loading: false, data: null, error }); });
    return () => { live = false; };
  }, [...deps, n]);
  return { ...state, reload: () => setN((x) => x + 1) };
}

// columns: [{key, label, render(row), cls}]; on a narrow screen each row is a
// card with the column labels beside the values (CSS: td[data-label]).
export function DataTable({ columns, rows, rowKey, rowTestid, rowClass, testid, caption, compact }) {
  if (!rows || rows.length === 0) return html`<${Empty} />`;
  return html`<div class="table-wrap">
    <table class=${compact ? 'data compact' : 'data cards'} data-testid=${testid}>
      ${caption && html`<caption>${caption}</caption>`}
      <thead><tr>${columns.map((c) => html`<th scope="col" class=${c.cls || ''}>${c.label}</th>`)}</tr></thead>
      <tbody>
        ${rows.map((r, i) => html`<tr key=${rowKey ? rowKey(r, i) : i} data-id=${rowKey ? rowKey(r, i) : undefined}
            class=${rowClass ? rowClass(r) : ''} data-testid=${rowTestid ? rowTestid(r) : undefined}>
          ${columns.map((c) => html`<td data-label=${c.label} class=${c.cls || ''}>
            ${c.render ? c.render(r) : (r[c.key] == null ? '' : String(r[c.key]))}</td>`)}
        </tr>`)}
      </tbody>
    </table>
  </div>`;
}

// Excel export: the same list URL with format=xlsx, fetched with the cookie
// and saved through a blob.
export function ExportButton({ path, params, name, testid = 'export-xlsx' }) {
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(null);
  const click = async () => {
    setBusy(true);
    setErr(null);
    try {
      await download(path + qs({ ...(params || {}), format: 'xlsx' }), `${name || 'minsheng'}.xlsx`);
    } catch (e) {
      setErr(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<span class="export">
    <button type="button" class="btn btn-secondary btn-small" onClick=${click} disabled=${busy}
      data-testid=${testid}>${busy ? t('export.busy') : t('export.xlsx')}</button>
    ${err && html`<span class="export-error" role="alert">${errorText(err)}</span>`}
  </span>`;
}

export function StateBadge({ state }) {
  return html`<span class=${`badge state-${state}`} data-state=${state}>${label('state', state)}</span>`;
}

export function DueBadge({ overdue, dueSoon }) {
  if (overdue) return html`<span class="badge badge-overdue" data-testid="badge-overdue">${t('inbox.overdue')}</span>`;
  if (dueSoon) return html`<span class="badge badge-soon" data-testid="badge-due-soon">${t('inbox.due_soon')}</span>`;
  return null;
}

let fieldSeq = 0;
export function useId(prefix) {
  const [id] = useState(() => `${prefix || 'f'}-${++fieldSeq}`);
  return id;
}

// <label> + control; children get the id
export function Field({ label: text, hint, children, id, required }) {
  return html`<div class="field">
    <label for=${id}>${text}${required && html`<span class="req" aria-hidden="true"> *</span>`}</label>
    ${children}
    ${hint && html`<p class="hint">${hint}</p>`}
  </div>`;
}

export function Section({ title, children, actions, testid, id }) {
  return html`<section class="card" data-testid=${testid} id=${id}>
    ${(title || actions) && html`<div class="card-head">
      ${title && html`<h2>${title}</h2>`}
      ${actions && html`<div class="card-actions">${actions}</div>`}
    </div>`}
    ${children}
  </section>`;
}

export function Tabs({ tabs, current, onChange, testid }) {
  return html`<div class="tabs" role="tablist" data-testid=${testid}>
    ${tabs.map((tb) => html`<button type="button" role="tab" aria-selected=${tb.id === current}
      class=${tb.id === current ? 'tab tab-on' : 'tab'} data-testid=${`tab-${tb.id}`}
      onClick=${() => onChange(tb.id)}>${tb.label}</button>`)}
  </div>`;
}

// key → value pairs as a description list
export function KeyValues({ items, testid }) {
  return html`<dl class="kv" data-testid=${testid}>
    ${items.filter(Boolean).map(([k, v]) => html`<div class="kv-row"><dt>${k}</dt><dd>${v == null || v === '' ? '—' : v}</dd></div>`)}
  </dl>`;
}
