// dashboard.mjs — the figures of an area (GET /api/v1/stats), alerts by
// state, a map of Guangdong's 21 cities, and drill-down province → city →
// county → township (map click, breadcrumb, list of child areas).
import { html, useState, useEffect, useMemo } from '../lib/html.mjs';
import { t, label, fmtNumber, fmtPercent, fmtYuan } from '../lib/i18n.mjs';
import { api } from '../lib/api.mjs';
import { href, go, areaName, areaLevels, childAreas, childOf, isOfficer, isOverdue, todayCN, pool } from '../lib/util.mjs';
import { Loading, ErrorBox, Section, DataTable, useLoad } from '../lib/ui.mjs';
import { Chart } from '../lib/charts.mjs';

const STATES = ['new', 'assigned', 'verifying', 'verified', 'returned', 'closed'];
const OUTCOMES = ['enrolled', 'adjusted', 'referred', 'no_action', 'false_positive', 'unreachable'];
// one colour per state and per outcome, whatever is present
const STATE_COLORS = { new: '#b3261e', assigned: '#ed8b00', verifying: '#1f6feb', verified: '#2e7d32', returned: '#6a3fb5', closed: '#8d8d94' };
const OUTCOME_COLORS = { enrolled: '#2e7d32', adjusted: '#1f6feb', referred: '#00838f', no_action: '#8d6e63', false_positive: '#b3261e', unreachable: '#ed8b00' };
const GD_CITIES = ['4401', '4402', '4403', '4404', '4405', '4406', '4407', '4408', '4409', '4412', '4413',
  '4414', '4415', '4416', '4417', '4418', '4419', '4420', '4451', '4452', '4453'];
const SCAN_PAGES = 20; // at most 20 × 500 alerts are read for the counts by state

// every alert under an area, paged (bounded): counts by state and by child area
async function scanAlerts(area, parentForChildren) {
  const byState = Object.fromEntries(STATES.map((s) => [s, 0]));
  const byChild = {};
  let total = 0;
  let overdue = 0;
  let cursor = null;
  let complete = false;
  const today = todayCN();
  for (let i = 0; i < SCAN_PAGES; i++) {
    const page = await api.get('/alerts', { area, limit: 500, cursor });
    for (const a of page.items) {
      total++;
      byState[a.state] = (byState[a.state] || 0) + 1;
      const od = isOverdue(a, today);
      if (od) overdue++;
      const c = childOf(parentForChildren, a.area) || a.area;
      const e = byChild[c] || (byChild[c] = { alerts: 0, open: 0, overdue: 0 });
      e.alerts++;
      if (['new', 'assigned', 'verifying', 'returned'].includes(a.state)) e.open++;
      if (od) e.overdue++;
    }
    if (!page.next) { complete = true; break; }
    cursor = page.next;
  }
  return { byState, byChild, total, overdue, complete };
}

// a scan is reused for a minute (the dashboard and the map ask for the same)
const scanCache = new Map();
function cachedScan(area) {
  const hit = scanCache.get(area);
  if (hit && Date.now() - hit.at < 60000) return hit.p;
  const p = scanAlerts(area, area).catch((e) => { scanCache.delete(area); throw e; });
  scanCache.set(area, { at: Date.now(), p });
  return p;
}

const statsCache = new Map();
function cityStats(code, period) {
  const k = `${code}|${period.from}|${period.to}`;
  if (!statsCache.has(k)) statsCache.set(k, api.get('/stats', { area: code, ...period }).catch((e) => { statsCache.delete(k); throw e; }));
  return statsCache.get(k);
}

function rootArea(user) {
  if (user.role === 'station_head' && user.station) return user.station;
  return user.scope;
}

function Breadcrumb({ root, area, period }) {
  const levels = areaLevels(area).filter((c) => c.length >= root.length);
  return html`<nav class="crumbs" aria-label=${t('dash.breadcrumb')} data-testid="dash-breadcrumb">
    ${levels.map((c, i) => html`${i > 0 && html`<span class="crumb-sep" aria-hidden="true">›</span>`}
      ${i === levels.length - 1
        ? html`<span class="crumb crumb-on" aria-current="page" data-code=${c}>${areaName(c) || c}</span>`
        : html`<a class="crumb" href=${href(['dashboard'], { area: c, ...period })} data-code=${c} data-testid="crumb">${areaName(c) || c}</a>`}`)}
  </nav>`;
}

function Figure({ n, l, testid, cls }) {
  return html`<div class=${`fig ${cls || ''}`} data-testid=${testid}><span class="fig-n">${n}</span><span class="fig-l">${l}</span></div>`;
}

function MapChart({ user, area, root, period, metric, setMetric }) {
  // cities in the user's scope get their figures; the others stay grey
  const mine = user.scope.length <= 2 ? GD_CITIES : GD_CITIES.filter((c) => c === user.scope.slice(0, 4));
  const [values, setValues] = useState(null);
  const [scan, setScan] = useState(null);
  const pkey = JSON.stringify(period);
  useEffect(() => {
    let live = true;
    setValues(null);
    if (metric === 'issued') {
      pool(mine, 4, (c) => cityStats(c, period).then((s) => s.issued)).then((vals) => {
        if (!live) return;
        const v = {};
        mine.forEach((c, i) => { v[c] = typeof vals[i] === 'number' ? vals[i] : null; });
        setValues(v);
      });
    } else {
      // overdue: counted from the alerts under the user's own area
      cachedScan(root).then((sc) => {
        if (!live) return;
        const v = {};
        for (const c of mine) v[c] = 0;
        for (const [c, e] of Object.entries(sc.byChild)) { const city = c.slice(0, 4); if (city in v) v[city] += e.overdue; }
        setScan(sc);
        setValues(v);
      }).catch(() => {});
    }
    return () => { live = false; };
  }, [metric, pkey, user.scope, root]);

  const max = values ? Math.max(1, ...Object.values(values).filter((x) => typeof x === 'number')) : 1;
  const data = GD_CITIES.map((c) => ({
    name: areaName(c), code: c, value: values && values[c] != null ? values[c] : NaN,
    selected: area.length >= 4 && area.startsWith(c),
  }));
  const option = {
    tooltip: { trigger: 'item', formatter: (p) => `${p.name}<br/>${t(`dash.map_${metric}`)}: ${Number.isNaN(p.value) || p.value == null ? '—' : p.value}` },
    visualMap: { min: 0, max, left: 8, bottom: 8, text: [String(max), '0'], calculable: false, itemHeight: 90, itemWidth: 12,
      inRange: { color: ['#fff4e5', '#f6b26b', '#d9480f', '#8b1a10'] }, textStyle: { fontSize: 11 } },
    series: [{
      type: 'map', map: 'guangdong', roam: false, selectedMode: 'single', data, top: 12, bottom: 12,
      label: { show: false },
      emphasis: { label: { show: true, fontSize: 12, color: '#000', textBorderColor: '#fff', textBorderWidth: 3 } },
      select: { itemStyle: { borderColor: '#1f6feb', borderWidth: 2 }, label: { show: true, color: '#000', textBorderColor: '#fff', textBorderWidth: 3 } },
      itemStyle: { borderColor: '#888', borderWidth: 0.6, areaColor: '#eee' },
    }],
  };
  const figures = { metric, values: values || {} };
  return html`<div class="map-card">
    <div class="seg" role="group" aria-label=${t('dash.map_metric')}>
      ${['issued', 'overdue'].map((m) => html`<button type="button" class=${metric === m ? 'seg-on' : ''} aria-pressed=${metric === m}
        onClick=${() => setMetric(m)} data-testid=${`map-metric-${m}`}>${t(`dash.map_${m}`)}</button>`)}
    </div>
    <${Chart} testid="chart-map" needsMap=${true} option=${option} figures=${figures} height=${360}
      title=${t('dash.map_title', { metric: t(`dash.map_${metric}`) })}
      rows=${GD_CITIES.filter((c) => values && values[c] != null).map((c) => [areaName(c), fmtNumber(values[c])])}
      onClick=${(p) => { const c = p.data && p.data.code; if (c && mine.includes(c)) go(['dashboard'], { area: c, ...period }); }} />
    ${metric === 'overdue' && scan && !scan.complete && html`<p class="hint">${t('dash.scan_partial', { n: scan.total })}</p>`}
  </div>`;
}

export function Dashboard({ user, query }) {
  const root = rootArea(user);
  const area = query.area && query.area.startsWith(root) ? query.area : root;
  const period = { from: query.from || '', to: query.to || '' };
  const [form, setForm] = useState(period);
  const [metric, setMetric] = useState('issued');
  const pkey = JSON.stringify(period);
  useEffect(() => setForm(period), [pkey]);

  const stats = useLoad(() => api.get('/stats', { area, population: 1, ...period }), [area, pkey]);
  const scan = useLoad(() => cachedScan(area), [area]);
  const countyInbox = useLoad(() => (area.length >= 6 && isOfficer(user)
    ? api.get('/inbox', { kind: 'county', code: area.slice(0, 6), limit: 1 }).catch(() => null) : null), [area]);
  const stationInbox = useLoad(() => (user.role === 'station_head' && area.length >= 9
    ? api.get('/inbox', { kind: 'station', code: area.slice(0, 9), limit: 1 }).catch(() => null) : null), [area]);
  const showMap = area.length <= 4 && user.scope.startsWith('44') && root.length <= 4;

  const s = stats.data;
  const apply = (e) => { e.preventDefault(); go(['dashboard'], { area, ...form }); };

  // children: the areas one level down, with their alert counts
  const kids = useMemo(() => {
    if (area.length >= 9) return [];
    const list = childAreas(area).map((k) => ({ ...k, ...(scan.data && scan.data.byChild[k.code]) }));
    if (scan.data) {
      for (const c of Object.keys(scan.data.byChild)) {
        if (!list.some((k) => k.code === c) && c !== area) list.push({ code: c, name: areaName(c), ...scan.data.byChild[c] });
      }
    }
    return list.sort((a, b) => (b.alerts || 0) - (a.alerts || 0) || a.code.localeCompare(b.code));
  }, [area, scan.data]);

  let overdue = null;
  let overdueSource = '';
  if (stationInbox.data) { overdue = stationInbox.data.counts.overdue; overdueSource = 'station_inbox'; }
  else if (countyInbox.data) { overdue = countyInbox.data.counts.overdue; overdueSource = 'county_inbox'; }
  else if (scan.data) { overdue = scan.data.overdue; overdueSource = scan.data.complete ? 'alerts' : 'alerts_partial'; }

  const outcomeTotals = {};
  if (s) for (const per of Object.values(s.outcomes || {})) for (const [o, n] of Object.entries(per)) outcomeTotals[o] = (outcomeTotals[o] || 0) + n;
  const rules = s ? Object.keys(s.by_rule || {}).sort() : [];
  const pop = s && s.population;
  const popCats = pop ? Object.entries(pop.by_category).filter(([, n]) => n > 0).sort((a, b) => a[1] - b[1]) : [];

  return html`<div class="page page-dash" data-testid="dashboard" data-area=${area}>
    <div class="page-head">
      <h1>${t('dash.title', { area: areaName(area) || area })}</h1>
    </div>
    <${Breadcrumb} root=${root} area=${area} period=${period} />
    <form class="period card" onSubmit=${apply} data-testid="dash-period">
      <div class="field"><label for="d-from">${t('dash.from')}</label>
        <input id="d-from" type="date" value=${form.from} onInput=${(e) => setForm({ ...form, from: e.target.value })} data-testid="dash-from" /></div>
      <div class="field"><label for="d-to">${t('dash.to')}</label>
        <input id="d-to" type="date" value=${form.to} onInput=${(e) => setForm({ ...form, to: e.target.value })} data-testid="dash-to" /></div>
      <div class="field field-button"><button type="submit" class="btn btn-primary" data-testid="dash-apply">${t('common.apply')}</button></div>
      ${s && html`<p class="muted small period-note">${t('dash.period', { from: s.from, to: s.to })}</p>`}
    </form>
    ${stats.loading && !s && html`<${Loading} />`}
    <${ErrorBox} error=${stats.error} onRetry=${stats.reload} />
    ${s && html`
      <div class="figs" data-testid="dash-figures" data-figures=${JSON.stringify({
        area: s.area, from: s.from, to: s.to, issued: s.issued, verified: s.verified, verification_rate: s.verification_rate,
        on_time: s.on_time, median_working_days: s.median_working_days })}>
        <${Figure} n=${fmtNumber(s.issued)} l=${t('stats.issued')} testid="fig-issued" />
        <${Figure} n=${fmtNumber(s.verified)} l=${t('stats.verified')} testid="fig-verified" />
        <${Figure} n=${fmtPercent(s.verification_rate)} l=${t('stats.verification_rate')} testid="fig-rate" />
        <${Figure} n=${fmtNumber(s.on_time)} l=${t('stats.on_time')} testid="fig-on-time" />
        <${Figure} n=${s.median_working_days == null ? '—' : fmtNumber(s.median_working_days, 1)} l=${t('stats.median_working_days')} testid="fig-median" />
        <${Figure} n=${overdue == null ? '…' : fmtNumber(overdue)} l=${t('stats.overdue')} testid="fig-overdue" cls="fig-alert" />
      </div>
      <div data-testid="dash-overdue" data-figures=${JSON.stringify({ overdue, source: overdueSource })} class="sr-only">${overdue}</div>
    `}
    <div class="dash-grid">
      ${showMap && html`<${Section} title=${t('dash.map')} testid="dash-map">
        <${MapChart} user=${user} area=${area} root=${root} period=${period} metric=${metric} setMetric=${setMetric} />
      </${Section}>`}
      ${scan.data && html`<${Section} title=${t('dash.states')} testid="dash-states">
        <${Chart} testid="chart-states" figures=${{ by_state: scan.data.byState, total: scan.data.total, complete: scan.data.complete }}
          rows=${STATES.map((st) => [label('state', st), fmtNumber(scan.data.byState[st])])}
          option=${{
            tooltip: { trigger: 'item' }, legend: { bottom: 0, type: 'scroll' },
            series: [{ type: 'pie', radius: ['38%', '66%'], center: ['50%', '45%'], avoidLabelOverlap: true, label: { formatter: '{c}' },
              data: STATES.map((st) => ({ name: label('state', st), value: scan.data.byState[st], itemStyle: { color: STATE_COLORS[st] } })).filter((d) => d.value > 0) }],
          }} />
        <p class="hint">${scan.data.complete ? t('dash.states_note', { n: scan.data.total }) : t('dash.scan_partial', { n: scan.data.total })}</p>
      </${Section}>`}
      ${s && html`<${Section} title=${t('dash.by_rule')} testid="dash-rules">
        <${Chart} testid="chart-rules" figures=${{ by_rule: s.by_rule }} height=${300}
          rows=${rules.map((r) => [r, `${fmtNumber(s.by_rule[r].issued)} / ${fmtNumber(s.by_rule[r].verified)}`])}
          option=${{
            tooltip: { trigger: 'axis' }, legend: { top: 0 },
            grid: { left: 36, right: 12, top: 32, bottom: 28 },
            xAxis: { type: 'category', data: rules, axisLabel: { fontSize: 10, interval: 0, rotate: rules.length > 10 ? 45 : 0 } },
            yAxis: { type: 'value', minInterval: 1 },
            series: [
              { name: t('stats.issued'), type: 'bar', data: rules.map((r) => s.by_rule[r].issued) },
              { name: t('stats.verified'), type: 'bar', data: rules.map((r) => s.by_rule[r].verified) },
            ],
          }} />
      </${Section}>`}
      ${s && html`<${Section} title=${t('dash.outcomes')} testid="dash-outcomes">
        ${Object.keys(outcomeTotals).length === 0 && html`<p class="muted">${t('dash.no_outcomes')}</p>`}
        <${Chart} testid="chart-outcomes" figures=${{ outcomes: outcomeTotals, by_rule: s.outcomes }} height=${Object.keys(outcomeTotals).length ? 260 : 1}
          rows=${OUTCOMES.filter((o) => outcomeTotals[o]).map((o) => [label('outcome', o), fmtNumber(outcomeTotals[o])])}
          option=${{
            tooltip: { trigger: 'item' }, legend: { bottom: 0, type: 'scroll' },
            series: [{ type: 'pie', radius: '62%', center: ['50%', '45%'], label: { formatter: '{c}' },
              data: OUTCOMES.filter((o) => outcomeTotals[o]).map((o) => ({ name: label('outcome', o), value: outcomeTotals[o], itemStyle: { color: OUTCOME_COLORS[o] } })) }],
          }} />
      </${Section}>`}
      ${s && html`<${Section} title=${t('dash.service')} testid="dash-service">
        <div class="figs figs-small" data-testid="service-figures" data-figures=${JSON.stringify(s.service)}>
          <${Figure} n=${fmtNumber(s.service.files)} l=${t('service.files')} />
          <${Figure} n=${fmtNumber(s.service.visits)} l=${t('service.visits')} />
          <${Figure} n=${fmtNumber(s.service.person_times)} l=${t('service.person_times')} />
          <${Figure} n=${fmtNumber(s.service.applications_granted)} l=${t('service.applications_granted')} />
          <${Figure} n=${fmtNumber(s.service.volunteers)} l=${t('service.volunteers')} />
          <${Figure} n=${fmtNumber(s.service.organizations)} l=${t('service.organizations')} />
          <${Figure} n=${fmtYuan(s.service.resources_yuan)} l=${t('service.resources')} />
        </div>
      </${Section}>`}
      ${pop && html`<${Section} title=${t('dash.population', { total: fmtNumber(pop.total) })} testid="dash-population">
        <${Chart} testid="chart-population" figures=${pop} height=${Math.max(160, popCats.length * 24 + 40)}
          rows=${popCats.slice().reverse().map(([k, n]) => [k, fmtNumber(n)])}
          option=${{
            tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
            grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
            xAxis: { type: 'value', minInterval: 1 },
            yAxis: { type: 'category', data: popCats.map(([k]) => k), axisLabel: { fontSize: 11 } },
            series: [{ type: 'bar', data: popCats.map(([, n]) => n), label: { show: true, position: 'right', fontSize: 10 } }],
          }} />
      </${Section}>`}
    </div>
    ${area.length < 9 && html`<${Section} title=${t('dash.children')} testid="dash-children">
      ${scan.loading && html`<${Loading} />`}
      <${DataTable} testid="child-areas" compact=${true} rows=${kids} rowKey=${(k) => k.code} rowTestid=${() => 'child-area'}
        columns=${[
          { key: 'name', label: t('dash.area'), render: (k) => html`<a href=${href(['dashboard'], { area: k.code, ...period })} class="row-link" data-testid="child-link">${k.name || k.code}</a> <span class="muted mono small">${k.code}</span>` },
          { key: 'alerts', label: t('dash.alerts'), cls: 'num', render: (k) => fmtNumber(k.alerts || 0) },
          { key: 'open', label: t('inbox.open'), cls: 'num', render: (k) => fmtNumber(k.open || 0) },
          { key: 'overdue', label: t('inbox.overdue'), cls: 'num', render: (k) => html`<span class=${k.overdue ? 'text-overdue' : ''}>${fmtNumber(k.overdue || 0)}</span>` },
        ]} />
    </${Section}>`}
    ${area.length >= 6 && html`<p class="links">
      ${isOfficer(user) && html`<a href=${href(['inbox'], { kind: 'county', code: area.slice(0, 6) })} class="btn btn-secondary">${t('dash.open_county_inbox')}</a>`}
      ${area.length >= 9 && html`<a href=${href(['stations', area.slice(0, 9)])} class="btn btn-secondary">${t('dash.open_station')}</a>`}
      <a href=${href(['alerts'], { area })} class="btn btn-secondary">${t('dash.open_alerts')}</a>
    </p>`}
  </div>`;
}
