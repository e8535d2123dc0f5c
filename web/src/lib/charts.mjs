// charts.mjs — ECharts (vendor/echarts.min.js, a classic script defining
// window.echarts) loaded on first use, and a chart component whose
// container carries the figures it shows in data-figures (for tests and
// for anyone who wants the numbers), with a plain table beside it.
import { html, useEffect, useRef } from './html.mjs';
import { t } from './i18n.mjs';

let loading = null;
export function loadECharts() {
  if (window.echarts) return Promise.resolve(window.echarts);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = 'vendor/echarts.min.js';
      s.async = true;
      s.onload = () => resolve(window.echarts);
      s.onerror = () => { loading = null; reject(new Error('echarts')); };
      document.head.appendChild(s);
    });
  }
  return loading;
}

let geoLoading = null;
export function loadGuangdong() {
  if (!geoLoading) {
    geoLoading = Promise.all([loadECharts(), fetch('geo/guangdong.json').then((r) => r.json())])
      .then(([ec, geo]) => { ec.registerMap('guangdong', geo); return geo; })
      .catch((e) => { geoLoading = null; throw e; });
  }
  return geoLoading;
}

export const PALETTE = ['#b3261e', '#1f6feb', '#2e7d32', '#ed8b00', '#6a3fb5', '#00838f', '#8d6e63', '#c2185b', '#546e7a'];

// option: an ECharts option; figures: what the chart shows (data-figures);
// rows: [[label, value]] for the table beside it
export function Chart({ option, figures, testid, height = 280, onClick, rows, title, needsMap }) {
  const el = useRef(null);
  const chart = useRef(null);
  const clickRef = useRef(onClick);
  clickRef.current = onClick;
  // the latest option: the chart may be created after the data arrived (the
  // script and the map load asynchronously), and must then draw that data,
  // not the option of the first render
  const optionRef = useRef(option);
  optionRef.current = option;

  useEffect(() => {
    let live = true;
    const ready = needsMap ? loadGuangdong().then(() => window.echarts) : loadECharts();
    ready.then((ec) => {
      if (!live || !el.current) return;
      chart.current = ec.init(el.current, null, { renderer: 'canvas' });
      chart.current.setOption({ color: PALETTE, textStyle: { fontFamily: 'inherit' }, ...optionRef.current }, true);
      chart.current.on('click', (p) => { if (clickRef.current) clickRef.current(p); });
    }).catch(() => {});
    const onResize = () => { if (chart.current) chart.current.resize(); };
    window.addEventListener('resize', onResize);
    return () => {
      live = false;
      window.removeEventListener('resize', onResize);
      if (chart.current) { chart.current.dispose(); chart.current = null; }
    };
  }, []);

  useEffect(() => {
    if (chart.current) chart.current.setOption({ color: PALETTE, textStyle: { fontFamily: 'inherit' }, ...option }, true);
  }, [JSON.stringify(option)]);
  // a new height (e.g. outcomes appear for another period): fit the canvas
  useEffect(() => { if (chart.current) chart.current.resize(); }, [height]);

  return html`<figure class="chart-box">
    ${title && html`<figcaption>${title}</figcaption>`}
    <div class="chart" ref=${el} data-testid=${testid} data-figures=${JSON.stringify(figures)}
      style=${`height:${height}px`} role="img" aria-label=${title || ''}></div>
    ${rows && rows.length > 0 && html`<details class="chart-table">
      <summary>${t('chart.table')}</summary>
      <table class="data mini"><tbody>
        ${rows.map(([k, v]) => html`<tr><th scope="row">${k}</th><td class="num">${v}</td></tr>`)}
      </tbody></table>
    </details>`}
  </figure>`;
}
