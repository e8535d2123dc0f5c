// eval.mjs — the station evaluation through the API (SPEC §5):
//   buildEvalFixtures: rounds made with the operator's command line before
//     the server starts — one open round per city (C1, C2) of this year,
//     computed, self-assessed, sampled with a seed chosen here so that S1
//     and S3 are drawn (S1 assigned to eva, S3 to eva2); pools of fresh
//     rounds for the walk's cases that change a round once (sample, close);
//   evalRequest: the permission walk's request for an /eval route;
//   runEval: a round end to end over HTTP (open, compute, self-assess,
//     sample — checked against the draw computed here —, assign, score,
//     close, report as JSON and as an Excel file).
import crypto from 'node:crypto';
import { tap, cli, request, login } from './lib.mjs';

const V1 = '/api/v1';

// The draw of docs/evaluation.md, independently: within each city, stations
// ordered by SHA-256(seed ‖ "\n" ‖ code), the first round-half-up(n × share)
// (at least 1) drawn.
export function draw(seed, codes, shareNum = 30, shareDen = 100) {
	const byCity = new Map();
	for (const c of codes) {
		const k = c.slice(0, 4);
		if (!byCity.has(k)) byCity.set(k, []);
		byCity.get(k).push({ code: c, key: crypto.createHash('sha256').update(`${seed}\n${c}`).digest() });
	}
	const out = new Set();
	for (const list of byCity.values()) {
		list.sort((a, b) => Buffer.compare(a.key, b.key) || (a.code < b.code ? -1 : 1));
		const n = list.length;
		let k = Math.floor((2 * shareNum * n + shareDen) / (2 * shareDen));
		k = Math.min(n, Math.max(1, k));
		for (const x of list.slice(0, k)) out.add(x.code);
	}
	return out;
}

const stationsUnder = (prefix) =>
	cli(['station', 'list', '--area', prefix, '--json'], { json: true })
		.filter((s) => s.type === 'station')
		.map((s) => s.code)
		.sort();

function manualIds() {
	const sc = cli(['eval', 'scheme', 'show', '--json'], { json: true });
	return sc.indicators.filter((i) => i.method === 'manual').map((i) => ({ id: i.id, points: Number(i.points) }));
}

const items = (manual, pct, note) => manual.map((m) => `${m.id}=${Math.floor((m.points * pct) / 100)}:${note}`);

function openRound(area, year) {
	return cli(['eval', 'round', 'open', '--area', area, '--year', String(year), '--as', 'admin1', '--json'], { json: true }).id;
}

export function buildEvalFixtures(ctx) {
	const year = Number(ctx.today.slice(0, 4));
	const manual = manualIds();
	cli(['user', 'add', 'eva2', '--role', 'evaluator', '--scope', '44', '--as', 'admin1'], { input: ctx.helperPw + '\n' });
	const E = { year, manual, round: {}, samplePool: {}, closePool: {}, openPool: {}, evaluatorOf: {} };
	// the shared rounds, one per city, with S1 (C1) and S3 (C2) drawn
	const place = { C1: { city: ctx.C1, st: ctx.S1, ev: 'eva' }, C2: { city: ctx.C2, st: ctx.S3, ev: 'eva2' } };
	for (const [key, p] of Object.entries(place)) {
		const id = openRound(p.city, year);
		E.round[key] = id;
		cli(['eval', 'compute', String(id), '--as', 'admin1']);
		const codes = stationsUnder(p.city);
		let seed = null;
		for (let i = 1; i < 1000 && !seed; i++) if (draw(`api-${i}`, codes).has(p.st)) seed = `api-${i}`;
		if (!seed) throw new Error(`no seed draws ${p.st}`);
		const s = cli(['eval', 'sample', String(id), '--seed', seed, '--as', 'admin1', '--json'], { json: true });
		if (!s.stations.includes(p.st)) throw new Error(`the sample of round ${id} does not hold ${p.st}`);
		cli(['eval', 'assign', String(id), '--evaluator', p.ev, '--station', p.st, '--as', 'admin1']);
		E.evaluatorOf[key] = p.ev;
	}
	cli(['eval', 'self', String(E.round.C1), '--station', ctx.S1, '--as', 'head_s1', ...items(manual, 90, '自评佐证')]);
	cli(['eval', 'self', String(E.round.C1), '--station', ctx.S2, '--as', 'head_s2', ...items(manual, 80, '自评佐证')]);
	// Rounds of the same year may not overlap, and the pack's scheme and
	// parameters start in 2022: the other rounds take free (area, year)
	// slots, counties of the city first, earlier years after.
	const years = [];
	for (let y = year - 1; y >= 2022; y--) years.push(y);
	const used = [{ area: ctx.C1, year }, { area: ctx.C2, year }];
	const overlaps = (a, b) => a.year === b.year && (a.area.startsWith(b.area) || b.area.startsWith(a.area));
	const areasOf = (key) => {
		const own = place[key].st.slice(0, 6);
		const counties = [...new Set(stationsUnder(place[key].city).map((c) => c.slice(0, 6)))].filter((c) => c !== own).sort();
		return [own, ...counties];
	};
	const slot = (areas) => {
		for (const y of years)
			for (const area of areas) {
				const c = { area, year: y };
				if (!used.some((u) => overlaps(u, c))) {
					used.push(c);
					return c;
				}
			}
		throw new Error(`no free (area, year) for an evaluation round among ${areas.join(' ')}`);
	};
	for (const key of ['C1', 'C2']) {
		const areas = areasOf(key);
		// closable rounds: computed, sampled, every drawn station assigned
		// to eva and scored; the shared first element is the city's round
		// (the cases that use it are refused before its state matters)
		E.closePool[key] = [E.round[key]];
		for (let k = 0; k < 2; k++) {
			const sl = slot(areas);
			const id = openRound(sl.area, sl.year);
			cli(['eval', 'compute', String(id), '--as', 'admin1']);
			const s = cli(['eval', 'sample', String(id), '--seed', `close-${k}`, '--as', 'admin1', '--json'], { json: true });
			cli(['eval', 'assign', String(id), '--evaluator', 'eva', '--all', '--as', 'admin1']);
			for (const st of s.stations) cli(['eval', 'score', String(id), '--station', st, '--as', 'eva', ...items(manual, 85, '抽查')]);
			E.closePool[key].push(id);
		}
		// rounds not sampled yet
		E.samplePool[key] = [E.round[key]];
		for (let k = 0; k < 2; k++) {
			const sl = slot(areas);
			E.samplePool[key].push(openRound(sl.area, sl.year));
		}
		// free slots for the walk's opening cases
		E.openPool[key] = [slot(areas), slot(areas), slot(areas)];
	}
	// the functional round: the whole first city, a year of its own
	E.functional = slot([ctx.C1]);
	ctx.eval = E;
}

// ---- the permission walk ----

const cityOf = (st) => (st === 'C2' ? 'C2' : 'C1');
const other = (key) => (key === 'C1' ? 'C2' : 'C1');

export function evalRequest(ctx, env, c, consume, q, takeFrom) {
	const { row, caller, side } = c;
	const i = side === 'in' ? 0 : 1;
	const E = ctx.eval;
	// the city whose round is the target: outside, the other city's round
	// when both places of the caller share one
	const key = i === 1 && cityOf(caller.st[1]) === cityOf(caller.st[0]) ? other(cityOf(caller.st[0])) : cityOf(caller.st[i]);
	const st = caller.st[i];
	const code = ctx.stationOf[st];
	const firstManual = E.manual[0].id;
	switch (`${row.method} ${row.path}`) {
		case `GET ${V1}/eval/scheme`:
			break;
		case `GET ${V1}/eval/rounds`: {
			const mine = E.round[cityOf(caller.st[0])],
				theirs = E.round[other(cityOf(caller.st[0]))];
			if (['officer', 'station_head'].includes(caller.role))
				q.check = (res) => {
					if (res.status !== 200) return null;
					const ids = (res.json?.items || []).map((r) => r.id);
					if (ids.includes(theirs)) return `lists round ${theirs}, of another city`;
					if (!ids.includes(mine)) return `does not list round ${mine}, covering its place`;
					return null;
				};
			if (caller.role === 'evaluator')
				q.check = (res) => {
					if (res.status !== 200) return null;
					const ids = (res.json?.items || []).map((r) => r.id);
					return ids.includes(E.round.C2) ? `lists round ${E.round.C2}, where nothing is drawn for it` : null;
				};
			break;
		}
		case `POST ${V1}/eval/rounds`:
			q.body = takeFrom(E.openPool[key], consume, `free round slots of ${key}`);
			break;
		case `GET ${V1}/eval/rounds/{id}`:
		case `GET ${V1}/eval/rounds/{id}/report`:
		case `POST ${V1}/eval/rounds/{id}/compute`:
			q.path = row.path.replace('{id}', E.round[key]);
			if (row.method === 'POST') q.body = {};
			break;
		case `POST ${V1}/eval/rounds/{id}/sample`:
			q.path = row.path.replace('{id}', takeFrom(E.samplePool[key], consume, `sample rounds of ${key}`));
			q.body = { seed: 'walk' };
			break;
		case `POST ${V1}/eval/rounds/{id}/close`:
			q.path = row.path.replace('{id}', takeFrom(E.closePool[key], consume, `closable rounds of ${key}`));
			q.body = {};
			break;
		case `POST ${V1}/eval/rounds/{id}/assignments`:
			q.path = row.path.replace('{id}', E.round[key]);
			q.body = { evaluator: E.evaluatorOf[key], stations: [key === 'C1' ? ctx.S1 : ctx.S3] };
			break;
		case `GET ${V1}/eval/rounds/{id}/stations/{code}`:
		case `POST ${V1}/eval/rounds/{id}/stations/{code}/self`:
		case `POST ${V1}/eval/rounds/{id}/stations/{code}/score`:
			q.path = row.path.replace('{id}', E.round[cityOf(st)]).replace('{code}', code);
			if (row.method === 'POST') q.body = { scores: [{ indicator: firstManual, points: 30, note: 'walk' }] };
			break;
		default:
			throw new Error(`the walk has no request for ${row.method} ${row.path}`);
	}
	return q;
}

// ---- a round end to end ----

const ID_RE = /\d{17}[\dX]/;

export async function runEval(ctx) {
	tap.section('evaluation: a round end to end');
	const s = {};
	for (const n of ['off_c1', 'head_s1', 'eva']) {
		const r = await login(n, ctx.pw[n]);
		if (!tap.ok(r.status === 200, `${n} logs in`, `status ${r.status}`)) return;
		s[n] = { session: r };
	}
	const E = ctx.eval;
	const year = E.functional.year;
	const codes = (await request('GET', `${V1}/stations`, { ...s.off_c1, query: { limit: 500 } })).json?.items
		?.filter((x) => x.type === 'station')
		.map((x) => x.code)
		.sort();
	let r = await request('POST', `${V1}/eval/rounds`, { ...s.off_c1, body: { area: ctx.C1, year } });
	tap.ok(r.status === 201 && r.json?.state === 'open', 'an officer opens a round for its city', `${r.status} ${r.text.slice(0, 300)}`);
	const id = r.json?.id;
	const n = r.json?.stations;
	tap.ok(n > 0 && (!codes || n === codes.filter((c) => c.startsWith(ctx.C1)).length), `the round holds the city's ${n} stations`);
	r = await request('POST', `${V1}/eval/rounds`, { ...s.off_c1, body: { area: ctx.S1.slice(0, 6), year } });
	tap.ok(r.status === 409, 'a round overlapping another of the same year is refused (409)', `${r.status}`);
	r = await request('POST', `${V1}/eval/rounds/${id}/compute`, { ...s.off_c1, body: {} });
	tap.ok(r.status === 200 && r.json?.scores === n * 6, 'compute fills six indicators per station', `${r.status} ${r.text.slice(0, 200)}`);

	// self-assessment by the station's head
	r = await request('GET', `${V1}/eval/rounds/${id}`, s.head_s1);
	tap.ok(r.status === 200 && r.json?.stations?.length === 1 && r.json.stations[0].code === ctx.S1, 'the station head sees its own station only', `${r.status} ${r.text.slice(0, 200)}`);
	const ind = r.json?.indicators || [];
	const manual = ind.filter((x) => x.method === 'manual');
	const computed = ind.filter((x) => x.method === 'computed');
	const scores = (pct, note) => manual.map((m) => ({ indicator: m.id, points: Math.floor(m.points * pct) / 100, note }));
	r = await request('POST', `${V1}/eval/rounds/${id}/stations/${ctx.S1}/self`, { ...s.head_s1, body: { scores: scores(95, '制度上墙，台账齐全') } });
	tap.ok(r.status === 200 && r.json?.scores === manual.length, 'the head self-assesses every manual indicator with evidence', `${r.status} ${r.text.slice(0, 200)}`);
	r = await request('POST', `${V1}/eval/rounds/${id}/stations/${ctx.S1}/self`, { ...s.head_s1, body: { scores: [{ indicator: computed[0].id, points: 1, note: 'x' }] } });
	tap.ok(r.status === 400, 'a computed indicator cannot be self-scored (400)', `${r.status}`);
	r = await request('POST', `${V1}/eval/rounds/${id}/stations/${ctx.S1}/self`, { ...s.head_s1, body: { scores: [{ indicator: manual[0].id, points: manual[0].points + 1, note: 'x' }] } });
	tap.ok(r.status === 400, 'more than the indicator\'s points are refused (400)', `${r.status}`);
	r = await request('POST', `${V1}/eval/rounds/${id}/stations/${ctx.S1}/self`, { ...s.head_s1, body: { scores: [{ indicator: manual[0].id, points: 1 }] } });
	tap.ok(r.status === 400, 'a self-assessment without evidence is refused (400)', `${r.status}`);
	r = await request('POST', `${V1}/eval/rounds/${id}/stations/${ctx.S2}/self`, { ...s.head_s1, body: { scores: scores(95, 'x') } });
	tap.ok(r.status === 404, 'another station\'s self-assessment is not the head\'s (404)', `${r.status}`);

	// the sample: reproducible from its seed
	r = await request('POST', `${V1}/eval/rounds/${id}/sample`, { ...s.off_c1, body: { seed: 'functional-2026' } });
	const drawn = new Set(r.json?.stations || []);
	const cityCodes = (await request('GET', `${V1}/eval/rounds/${id}`, s.off_c1)).json?.stations?.map((x) => x.code) || [];
	const expect = draw('functional-2026', cityCodes);
	tap.ok(r.status === 200 && drawn.size === expect.size && [...expect].every((c) => drawn.has(c)), `the sample is the seeded draw (${drawn.size} of ${cityCodes.length}, 30 % rounded half up)`, `${r.status} ${r.text.slice(0, 300)}`);
	r = await request('POST', `${V1}/eval/rounds/${id}/sample`, { ...s.off_c1, body: { seed: 'again' } });
	tap.ok(r.status === 409, 'a round is sampled once (409 after)', `${r.status}`);
	const undrawn = cityCodes.find((c) => !drawn.has(c));
	r = await request('POST', `${V1}/eval/rounds/${id}/assignments`, { ...s.off_c1, body: { evaluator: 'eva', stations: [...drawn] } });
	tap.ok(r.status === 200, 'the officer assigns the drawn stations to an evaluator', `${r.status} ${r.text.slice(0, 200)}`);
	if (undrawn) {
		r = await request('POST', `${V1}/eval/rounds/${id}/assignments`, { ...s.off_c1, body: { evaluator: 'eva', stations: [undrawn] } });
		tap.ok(r.status === 400, 'a station not drawn cannot be assigned (400)', `${r.status}`);
	}
	r = await request('POST', `${V1}/eval/rounds/${id}/close`, { ...s.off_c1, body: {} });
	tap.ok(r.status === 409, 'the round does not close before every drawn station is scored (409)', `${r.status}`);

	// the evaluator: its stations, no personal data
	r = await request('GET', `${V1}/eval/rounds/${id}`, s.eva);
	const seen = (r.json?.stations || []).map((x) => x.code);
	tap.ok(r.status === 200 && seen.length === drawn.size && seen.every((c) => drawn.has(c)), 'the evaluator sees exactly the stations drawn for it', `${r.status} saw ${seen.length}`);
	tap.ok(!ID_RE.test(r.text), 'the evaluator\'s view carries no identity number');
	if (undrawn) {
		r = await request('GET', `${V1}/eval/rounds/${id}/stations/${undrawn}`, s.eva);
		tap.ok(r.status === 404, 'a station not drawn for it does not exist for the evaluator', `${r.status}`);
	}
	let ok = true;
	for (const code of drawn) {
		r = await request('POST', `${V1}/eval/rounds/${id}/stations/${code}/score`, { ...s.eva, body: { scores: scores(85, '现场核查') } });
		ok &&= r.status === 200;
	}
	tap.ok(ok, `the evaluator scores its ${drawn.size} stations`, `${r.status} ${r.text.slice(0, 200)}`);
	r = await request('POST', `${V1}/eval/rounds/${id}/stations/${[...drawn][0]}/score`, { ...s.off_c1, body: { scores: scores(85, 'x') } });
	tap.ok(r.status === 403, 'an officer cannot enter third-party scores (403)', `${r.status}`);

	r = await request('POST', `${V1}/eval/rounds/${id}/close`, { ...s.off_c1, body: {} });
	tap.ok(r.status === 200 && r.json?.round?.state === 'closed', 'the officer closes the round', `${r.status} ${r.text.slice(0, 300)}`);
	r = await request('POST', `${V1}/eval/rounds/${id}/stations/${ctx.S1}/self`, { ...s.head_s1, body: { scores: scores(95, 'late') } });
	tap.ok(r.status === 409, 'a closed round takes no more scores (409)', `${r.status}`);

	// the report
	r = await request('GET', `${V1}/eval/rounds/${id}/report`, s.off_c1);
	const rep = r.json || {};
	const st = rep.stars || {};
	const total = (st['5'] || 0) + (st['4'] || 0) + (st['3'] || 0) + (st['0'] || 0);
	tap.ok(r.status === 200 && rep.stations?.length === n && total === n, `the report ranks the ${n} stations with their stars (★5 ${st['5']}, ★4 ${st['4']}, ★3 ${st['3']}, none ${st['0']})`, `${r.status} ${r.text.slice(0, 200)}`);
	const checkedFinal = (rep.stations || []).filter((x) => x.checked).every((x) => x.final_total === x.third_total);
	const selfFinal = (rep.stations || []).filter((x) => !x.checked).every((x) => x.final_total === x.self_total);
	tap.ok(checkedFinal && selfFinal && (rep.stations || []).filter((x) => x.checked).length === drawn.size, 'final: third-party total where checked, else the self-assessment');
	tap.ok(rep.deviations?.length === drawn.size * manual.length && rep.cities?.length === 1, 'deviations for every drawn station and manual indicator; the city\'s summary', `${rep.deviations?.length} deviations, ${rep.cities?.length} cities`);
	if (drawn.has(ctx.S1)) {
		const d = rep.deviations.find((x) => x.station === ctx.S1);
		tap.ok(d && d.deviation < 0, 'S1 said more than the evaluator found: a negative deviation', JSON.stringify(d));
	}
	const ranks = (rep.stations || []).map((x) => x.rank);
	tap.ok(ranks.every((v, k) => k === 0 || v >= ranks[k - 1]) && ranks[0] === 1, 'stations come in rank order from 1');
	r = await request('GET', `${V1}/eval/rounds/${id}/report`, { ...s.off_c1, query: { format: 'xlsx' } });
	const isZip = r.buf && r.buf.length > 100 && r.buf.slice(0, 2).toString('latin1') === 'PK';
	tap.ok(
		r.status === 200 && /spreadsheetml/.test(r.headers['content-type'] || '') && /attachment/.test(r.headers['content-disposition'] || '') && isZip && r.buf.includes('xl/workbook.xml'),
		'the report as an Excel workbook (a zip with xl/workbook.xml)',
		`${r.status} ${r.headers['content-type']} ${r.headers['content-disposition']} ${r.text.slice(0, 200)}`,
	);
	r = await request('GET', `${V1}/eval/rounds/${id}/report`, s.head_s1);
	tap.ok(r.status === 200 && r.json?.stations?.length === 1 && r.json?.cities?.length === 0, 'the head\'s report: its own station, no area summaries', `${r.status} ${r.text.slice(0, 200)}`);
	r = await request('GET', `${V1}/eval/rounds/${id}/report`, s.eva);
	tap.ok(r.status === 200 && !ID_RE.test(r.text) && r.json?.stations?.length === drawn.size, 'the evaluator\'s report: its stations, no identity number', `${r.status}`);
}
