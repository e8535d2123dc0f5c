// t_dashboard.mjs — the officer's dashboard: every chart is drawn (its
// canvas has enough pixels that are not background) and the figures each
// shows (data-figures) equal those of GET /api/v1/stats for the same area and
// period, fetched here with the page's session cookie; the alerts by state
// equal a count of GET /api/v1/alerts. Then a drill-down to a county and a
// chosen period, compared again.
import { tap, login, apiGet, canvasInk, screenshot, sleep, addDays } from './lib.mjs';

const CHARTS = ['chart-map', 'chart-states', 'chart-rules', 'chart-outcomes', 'chart-population'];

// waits until the chart's canvases are drawn and stop changing (ECharts
// animates for about a second); returns the last reading
async function drawn(page, testid, min) {
	await page.locator(`[data-testid="${testid}"] canvas`).first().waitFor();
	let last = null;
	const t0 = Date.now();
	while (Date.now() - t0 < 8000) {
		const r = await canvasInk(page, testid);
		if (last && r.ink === last.ink && r.ink >= min) return r;
		last = r;
		await sleep(300);
	}
	return last;
}

// what the chart draws: the ECharts instance's current option (series data,
// the map's colour scale) — the figures must be those drawn, not only those
// written in data-figures
async function drawnData(page, testid) {
	return page.getByTestId(testid).evaluate((el) => {
		const c = window.echarts && window.echarts.getInstanceByDom(el);
		if (!c) return null;
		const o = c.getOption();
		const val = (d) => (d !== null && typeof d === 'object' ? d.value : d);
		return {
			series: (o.series || []).map((s) => (s.data || []).map((d) => ({ name: d && d.name, code: d && d.code, value: val(d) }))),
			x: o.xAxis && o.xAxis[0] ? o.xAxis[0].data : null,
			max: o.visualMap && o.visualMap[0] ? o.visualMap[0].max : null,
		};
	});
}
const sum = (a) => a.reduce((x, y) => x + (Number.isFinite(y) ? y : 0), 0);

const figures = async (page, testid) => JSON.parse(await page.getByTestId(testid).getAttribute('data-figures'));
const qs = (o) => new URLSearchParams(Object.entries(o).filter(([, v]) => v !== '' && v != null)).toString();

// the dashboard's figures against GET /stats for its area and period
async function compare(page, area, label) {
	// (while another area's figures load, the last ones stay on the page)
	await page.locator(`[data-testid="dashboard"][data-area="${area}"] [data-testid="dash-figures"][data-figures*='"area":"${area}"']`).waitFor();
	const f = await figures(page, 'dash-figures');
	const st = await apiGet(page, `/stats?${qs({ area, from: f.from, to: f.to, population: 1 })}`);
	const s = st.json || {};
	tap.ok(st.status === 200 && f.area === area, `${label}: GET /api/v1/stats?area=${area}&from=${f.from}&to=${f.to} → 200`, st.status);
	const keys = ['area', 'from', 'to', 'issued', 'verified', 'verification_rate', 'on_time', 'median_working_days'];
	tap.eq(f, Object.fromEntries(keys.map((k) => [k, s[k]])), `${label}: the figures (issued ${f.issued}, verified ${f.verified}) equal /stats`);
	const shown = Number((await page.getByTestId('fig-issued').locator('.fig-n').textContent()).replace(/[^\d]/g, ''));
	tap.ok(shown === s.issued, `${label}: the page shows issued = ${shown}`);
	return { f, s };
}

export async function testDashboard(env) {
	const { base, ctx } = env;
	const page = await env.open('dashboard');
	await login(page, base, 'officer', ctx.password);
	await page.getByTestId('dashboard').waitFor();
	const area = ctx.city;
	const { f, s } = await compare(page, area, `dashboard ${area}`);
	tap.ok(s.issued > 0 && Object.keys(s.outcomes || {}).length > 0, `the city has alerts (${s.issued}) and outcomes to draw`, s);

	// every chart is drawn
	for (const c of CHARTS) {
		await page.getByTestId(c).scrollIntoViewIfNeeded();
		const r = await drawn(page, c, 2000);
		tap.ok(r && r.ink >= 2000 && r.colours >= 3, `${c}: the canvas is drawn (${r?.ink} of ${r?.total} pixels, ${r?.colours} colours)`, r);
	}

	// and shows the figures of /stats
	tap.eq((await figures(page, 'chart-rules')).by_rule, s.by_rule, 'chart-rules: issued and verified by rule equal /stats by_rule');
	const out = await figures(page, 'chart-outcomes');
	const totals = {};
	for (const per of Object.values(s.outcomes || {})) for (const [o, n] of Object.entries(per)) totals[o] = (totals[o] || 0) + n;
	tap.eq(out.by_rule, s.outcomes, 'chart-outcomes: the outcomes by rule equal /stats outcomes');
	tap.eq(out.outcomes, totals, `chart-outcomes: the totals by outcome (${JSON.stringify(totals)})`);
	tap.eq(await figures(page, 'chart-population'), s.population, 'chart-population: the monitored population equals /stats population');
	tap.eq(await figures(page, 'service-figures'), s.service, 'the service figures equal /stats service');
	await page.locator(`[data-testid="chart-map"][data-figures*='"${area}":']`).waitFor(); // the city's /stats
	const map = await figures(page, 'chart-map');
	const cityStats = await apiGet(page, `/stats?${qs({ area, from: '', to: '' })}`);
	tap.ok(map.metric === 'issued' && map.values[area] === cityStats.json?.issued && Object.keys(map.values).length === 1,
		`chart-map: the city's issued alerts (${map.values[area]}) equal /stats?area=${area}`, { map, issued: cityStats.json?.issued });
	// the states: a count of every alert of the area
	const byState = {};
	let cursor = null;
	let total = 0;
	for (let i = 0; i < 20; i++) {
		const r = await apiGet(page, `/alerts?${qs({ area, limit: 500, cursor })}`);
		for (const a of r.json.items) {
			byState[a.state] = (byState[a.state] || 0) + 1;
			total++;
		}
		if (!r.json.next) break;
		cursor = r.json.next;
	}
	const states = await figures(page, 'chart-states');
	const nonzero = Object.fromEntries(Object.entries(states.by_state).filter(([, n]) => n > 0));
	tap.ok(states.complete && states.total === total && JSON.stringify(Object.entries(nonzero).sort()) === JSON.stringify(Object.entries(byState).sort()),
		`chart-states: alerts by state equal a count of GET /api/v1/alerts?area=${area} (${JSON.stringify(byState)})`, { states, byState });
	// what is drawn is what the figures say
	const dm = await drawnData(page, 'chart-map');
	const cityDrawn = dm && dm.series[0].find((d) => d.code === area);
	tap.ok(cityDrawn && cityDrawn.value === map.values[area] && dm.max === Math.max(1, map.values[area]),
		`chart-map draws ${area} with ${cityDrawn?.value} on a scale to ${dm?.max}`, dm && { city: cityDrawn, max: dm.max });
	const dr = await drawnData(page, 'chart-rules');
	const rules = Object.keys(s.by_rule).sort();
	tap.ok(dr && JSON.stringify(dr.x) === JSON.stringify(rules) &&
		JSON.stringify(dr.series[0].map((d) => d.value)) === JSON.stringify(rules.map((r) => s.by_rule[r].issued)) &&
		JSON.stringify(dr.series[1].map((d) => d.value)) === JSON.stringify(rules.map((r) => s.by_rule[r].verified)),
		'chart-rules draws the issued and verified bars of /stats', dr);
	const ds = await drawnData(page, 'chart-states');
	tap.ok(ds && sum(ds.series[0].map((d) => d.value)) === total && ds.series[0].length === Object.keys(byState).length,
		`chart-states draws ${ds?.series[0].length} slices summing to ${total}`, ds);
	const dout = await drawnData(page, 'chart-outcomes');
	tap.ok(dout && JSON.stringify(dout.series[0].map((d) => d.value).sort()) === JSON.stringify(Object.values(totals).sort()),
		'chart-outcomes draws one slice per outcome with its count', dout);
	const dp = await drawnData(page, 'chart-population');
	const cats = Object.values(s.population.by_category).filter((n) => n > 0);
	tap.ok(dp && sum(dp.series[0].map((d) => d.value)) === sum(cats) && dp.series[0].length === cats.length,
		`chart-population draws ${cats.length} categories`, dp);
	await page.evaluate(() => window.scrollTo(0, 0));
	await screenshot(page, 'dashboard', { guide: true });

	// drill-down: the county of the station, then a period of its own
	const county = ctx.county;
	await page.locator(`[data-testid="child-area"][data-id="${county}"] [data-testid="child-link"]`).click();
	await page.locator(`[data-testid="dashboard"][data-area="${county}"]`).waitFor();
	const crumbs = await page.locator('[data-testid="dash-breadcrumb"] [data-code]').evaluateAll((els) => els.map((e) => e.dataset.code));
	tap.eq(crumbs, [area, county], `drill-down: the county ${county}, under the city in the breadcrumb`);
	const from = addDays(ctx.today, -6); // not the default period (the year so far)
	const to = ctx.today;
	await page.getByTestId('dash-from').fill(from);
	await page.getByTestId('dash-to').fill(to);
	await page.getByTestId('dash-apply').click();
	await page.waitForURL((u) => u.hash.includes(`from=${from}`) && u.hash.includes(`to=${to}`));
	await page.locator(`[data-testid="dash-figures"][data-figures*='"from":"${from}"']`).waitFor();
	const c2 = await compare(page, county, `dashboard ${county} ${from}…${to}`);
	tap.ok(c2.f.from === from && c2.f.to === to, 'the period chosen is the period shown');
	for (const c of ['chart-states', 'chart-rules', 'chart-outcomes']) {
		const r = await drawn(page, c, 1000);
		tap.ok(r && r.ink >= 1000, `${county}: ${c} is drawn (${r?.ink} pixels)`, r);
	}
	tap.eq((await figures(page, 'chart-rules')).by_rule, c2.s.by_rule, `${county}: chart-rules equals /stats by_rule for the period`);
	await page.getByTestId('crumb').first().click();
	await page.locator(`[data-testid="dashboard"][data-area="${area}"]`).waitFor();
	tap.ok(true, 'the breadcrumb leads back to the city');
}
