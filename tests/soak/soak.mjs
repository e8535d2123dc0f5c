// soak.mjs — the soak test's clients (docs/reliability.md), run by
// tests/soak/run against `minsheng serve` on 127.0.0.1 for SOAK_SECONDS:
//   - a jobs client: uploads a fresh yibao file as an import job, waits for
//     it, starts a scan job, waits for it, again and again;
//   - transition clients, one per station: as the station head, its new
//     alerts; as an officer, assign; as the worker, start and verify; as the
//     officer, return (then the loop goes on) or close;
//   - reader clients: alert lists (paged), alert details, person reads,
//     searches; and now and then a login and a logout.
// It samples the server's resident memory (/proc/PID/status VmRSS) every
// 10 s, and prints per kind of request the count and the latency (p50, p99,
// max), the errors, and the memory over time. Fails (exit 1) on any error,
// or when the memory at the end is above 1.1 × the memory at minute 2 (runs
// of 4 minutes or more; SOAK_BRIEF=1 reports it without failing).
// Environment: SOAK_CTX (the JSON file tests/soak/run wrote), SOAK_SECONDS,
// SOAK_PID (the server), SOAK_PORT_FILE.
import fs from 'node:fs';

const ctx = JSON.parse(fs.readFileSync(process.env.SOAK_CTX, 'utf8'));
const SECONDS = Number(process.env.SOAK_SECONDS || 600);
const BRIEF = process.env.SOAK_BRIEF === '1';
const PID = Number(process.env.SOAK_PID);
const BASE = `http://127.0.0.1:${fs.readFileSync(process.env.SOAK_PORT_FILE, 'utf8').trim()}`;
const t0 = Date.now();
const deadline = t0 + SECONDS * 1000;
const running = () => Date.now() < deadline;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- figures ----
const lat = new Map(); // kind → [ms]
const errors = [];
const counts = { conflict: 0, busy: 0 };
function record(kind, ms) {
	if (!lat.has(kind)) lat.set(kind, []);
	lat.get(kind).push(ms);
}
function error(kind, what) {
	errors.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${kind}: ${what}`);
}
function pct(a, p) {
	if (!a.length) return 0;
	const s = [...a].sort((x, y) => x - y);
	return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

// ---- HTTP ----
class Session {
	constructor(user) {
		this.user = user;
	}
	async login() {
		const r = await req('login', 'POST', '/api/v1/login', { body: { username: this.user, password: ctx.password } });
		if (!r || r.status !== 200) throw new Error(`login ${this.user}: ${r && r.status}`);
		this.cookie = /ms_session=([^;]*)/.exec(r.headers.get('set-cookie'))[1];
		this.csrf = r.json.csrf;
		return this;
	}
}

/* One request, timed as `kind`. ok(status) says which statuses are not
 * errors (default 2xx). Returns {status, json, headers} or null on a
 * network failure (recorded as an error). */
async function req(kind, method, path, { s, body, raw, ok } = {}) {
	const headers = {};
	if (s) {
		headers.cookie = `ms_session=${s.cookie}`;
		if (method !== 'GET') headers['x-csrf-token'] = s.csrf;
	}
	let data;
	if (raw !== undefined) data = raw;
	else if (body !== undefined) {
		data = JSON.stringify(body);
		headers['content-type'] = 'application/json';
	}
	const a = performance.now();
	let r, text;
	try {
		r = await fetch(BASE + path, { method, headers, body: data, signal: AbortSignal.timeout(60000) });
		text = await r.text();
	} catch (e) {
		error(kind, `${method} ${path}: ${e.message}`);
		return null;
	}
	record(kind, performance.now() - a);
	let json;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	const good = ok ? ok(r.status) : r.status >= 200 && r.status < 300;
	if (!good) error(kind, `${method} ${path}: ${r.status} ${text.slice(0, 200)}`);
	return { status: r.status, json, headers: r.headers };
}

// ---- the jobs client: imports and scans ----
let fileSeq = 0;
function yibaoFile() {
	// 300 settlements of registry persons, new numbers each time
	const n = ctx.persons.length;
	const lines = ['身份证号,姓名,结算单号,结算日期,医疗总费用,统筹支付,个人自付,医疗机构'];
	fileSeq++;
	for (let i = 0; i < 300; i++) {
		const p = ctx.persons[(fileSeq * 7919 + i * 104729) % n];
		const day = String(1 + ((fileSeq + i) % 28)).padStart(2, '0');
		const oop = 200 + ((fileSeq * 31 + i * 17) % 5000);
		lines.push(`${p.id},${p.name},SOAK${String(fileSeq).padStart(5, '0')}${String(i).padStart(4, '0')},2026-10-${day},${oop + 100}.00,100.00,${oop}.00,测试医院`);
	}
	return lines.join('\n') + '\n';
}

async function waitJob(s, id, kind) {
	const a = performance.now();
	for (let i = 0; i < 6000 && running(); i++) {
		const r = await req('job_poll', 'GET', `/api/v1/jobs/${id}`, { s });
		if (!r || r.status !== 200) return null;
		if (r.json.state === 'done' || r.json.state === 'failed') {
			record(kind, performance.now() - a);
			if (r.json.state === 'failed') error(kind, `job ${id} failed: ${r.json.error}`);
			return r.json;
		}
		await sleep(200);
	}
	return null;
}

async function jobsClient() {
	const s = await new Session(ctx.admin).login();
	let imports = 0,
		scans = 0;
	while (running()) {
		const up = await req('import_upload', 'POST', `/api/v1/imports?feed=yibao&name=soak${fileSeq + 1}.csv`, {
			s,
			raw: yibaoFile(),
			ok: (st) => st === 202 || st === 503,
		});
		if (up && up.status === 202) {
			const j = await waitJob(s, up.json.job, 'import_job');
			if (j && j.state === 'done') imports++;
		} else if (up && up.status === 503) counts.busy++;
		if (!running()) break;
		const sc = await req('scan_start', 'POST', '/api/v1/scans', { s, body: {}, ok: (st) => st === 202 || st === 503 });
		if (sc && sc.status === 202) {
			const j = await waitJob(s, sc.json.job, 'scan_job');
			if (j && j.state === 'done') scans++;
		} else if (sc && sc.status === 503) counts.busy++;
		// the memory between jobs: no snapshot held, only what stays
		await sleep(500);
		quiet.push({ t: Math.round((Date.now() - t0) / 1000), kib: rssKiB(), sqlite: await sqliteKiB() });
		await sleep(500);
	}
	return { imports, scans };
}

// ---- transition clients ----
// Each works through the open alerts of its station, over and over: assign,
// start, verify, then mostly return (and verify again), closing about one
// verification in 25 while more than 8 of its alerts are open — so the
// station never runs dry.
async function transitionClient(t) {
	const head = await new Session(t.head).login();
	const off = await new Session(t.officer).login();
	const wk = await new Session(t.worker).login();
	let done = 0,
		closed = 0,
		k = 0;
	const step = async (id, who, body) => {
		const r = await req('transition', 'POST', `/api/v1/alerts/${id}/transition`, { s: who, body, ok: (st) => st === 200 || st === 409 });
		if (r && r.status === 409) counts.conflict++;
		if (r && r.status === 200) done++;
		return r && r.status === 200 ? r.json : null;
	};
	while (running()) {
		// the station's alerts (its head sees its station), page by page
		const items = [];
		let cursor = null;
		do {
			const l = await req('alerts_list', 'GET', `/api/v1/alerts?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { s: head });
			if (!l || l.status !== 200) break;
			items.push(...l.json.items.filter((a) => a.state !== 'closed'));
			cursor = l.json.next;
		} while (cursor && items.length < 300 && running());
		if (!items.length) {
			await sleep(500);
			continue;
		}
		let closedNow = 0;
		for (const item of items) {
			if (!running()) break;
			// read it fresh: a scan may have added facts since the list
			const g = await req('alert_get', 'GET', `/api/v1/alerts/${item.id}`, { s: off });
			if (!g || g.status !== 200) continue;
			let a = g.json;
			for (let n = 0; n < 3 && a && running(); n++) {
				k++;
				if (a.state === 'new') a = await step(a.id, off, { to: 'assigned', version: a.version, assignee: t.worker });
				else if (a.state === 'assigned' || a.state === 'returned') a = await step(a.id, wk, { to: 'verifying', version: a.version });
				else if (a.state === 'verifying')
					a = await step(a.id, wk, { to: 'verified', version: a.version, outcome: 'no_action', note: `入户核实（soak ${k}）` });
				else if (a.state === 'verified') {
					if (k % 25 === 0 && items.length - closedNow > 8) {
						a = await step(a.id, off, { to: 'closed', version: a.version, decision: '属实，无需救助（soak）' });
						if (a) closed++, closedNow++;
					} else a = await step(a.id, off, { to: 'returned', version: a.version, note: '请补充材料（soak）' });
				} else break;
				await sleep(10 + (k % 5) * 10);
			}
		}
	}
	return { transitions: done, closed };
}

// ---- readers ----
async function readerClient(r, i) {
	let s = await new Session(r.user).login();
	let n = 0,
		cursor = null;
	while (running()) {
		n++;
		const p = ctx.persons[(i * 7 + n * 13) % ctx.persons.length];
		switch (n % 6) {
			case 0:
			case 1: {
				const l = await req('alerts_list', 'GET', `/api/v1/alerts?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { s });
				cursor = l && l.json ? l.json.next : null;
				const it = l && l.json && l.json.items;
				if (it && it.length) await req('alert_get', 'GET', `/api/v1/alerts/${it[n % it.length].id}`, { s });
				break;
			}
			case 2:
			case 3:
				await req('person_get', 'GET', `/api/v1/persons/${p.id}`, { s });
				break;
			case 4:
				await req('search', 'GET', `/api/v1/search?q=${encodeURIComponent(n % 2 ? p.name : p.id.slice(-6))}`, { s });
				break;
			case 5:
				if (n % 30 === 5) {
					// a fresh login, the old session ended
					await req('logout', 'POST', '/api/v1/logout', { s });
					s = await new Session(r.user).login();
				} else {
					await req('stats', 'GET', `/api/v1/stats?area=44&from=2026-01-01&to=2026-12-31`, { s });
				}
				break;
		}
		await sleep(5 + (n % 5) * 5);
	}
	return { requests: n };
}

// ---- memory ----
function rssKiB() {
	try {
		const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${PID}/status`, 'utf8'));
		return m ? Number(m[1]) : null;
	} catch {
		return null;
	}
}
// SQLite's own memory (its page caches grow with the database, up to each
// connection's cache size), from /metrics
async function sqliteKiB() {
	try {
		const t = await (await fetch(`${BASE}/metrics`)).text();
		const m = /^minsheng_sqlite_memory_bytes (\d+)/m.exec(t);
		return m ? Number(m[1]) / 1024 : null;
	} catch {
		return null;
	}
}
const rss = [];
const quiet = []; // samples taken by the jobs client between jobs
function sample() {
	rss.push({ t: Math.round((Date.now() - t0) / 1000), kib: rssKiB() });
}
sample();
const timer = setInterval(sample, 10000);

// ---- run ----
console.log(`# soak: ${SECONDS} s against ${BASE}: 1 jobs client, ${ctx.stations.length} transition clients, ${ctx.readers.length} readers`);
const results = await Promise.all([
	jobsClient().catch((e) => (error('jobs', e.message), {})),
	...ctx.stations.map((t) => transitionClient(t).catch((e) => (error('transition', e.message), {}))),
	...ctx.readers.map((r, i) => readerClient(r, i).catch((e) => (error('reader', e.message), {}))),
]);
clearInterval(timer);
// the last sample once the load has stopped (no job running): what stays
await sleep(2000);
sample();
const endSqlite = await sqliteKiB();

// ---- report ----
const total = [...lat.values()].reduce((a, l) => a + l.length, 0);
console.log(`# ${total} requests in ${((Date.now() - t0) / 1000).toFixed(0)} s (${(total / SECONDS).toFixed(0)}/s); jobs: ${results[0].imports ?? 0} imports, ${results[0].scans ?? 0} scans done; transitions: ${results.slice(1, 1 + ctx.stations.length).reduce((a, r) => a + (r.transitions || 0), 0)} (${counts.conflict} conflicts retried); busy answers: ${counts.busy}`);
console.log('# kind             count     p50 ms    p99 ms    max ms');
for (const [k, a] of [...lat.entries()].sort()) {
	console.log(`# ${k.padEnd(15)} ${String(a.length).padStart(6)} ${pct(a, 50).toFixed(1).padStart(10)} ${pct(a, 99).toFixed(1).padStart(9)} ${Math.max(...a).toFixed(1).padStart(9)}`);
}
console.log(`# server RSS (MiB) every 10 s: ${rss.map((x) => (x.kib === null ? '?' : (x.kib / 1024).toFixed(1))).join(' ')}`);
// "RSS at minute 2": the sample between jobs nearest to 120 s (the 10-s
// samples swing with the scans, which build a snapshot and free it); "at
// the end": after the load stopped
const mib = (k) => (k / 1024).toFixed(1);
const at2 = quiet.filter((x) => x.kib).sort((a, b) => Math.abs(a.t - 120) - Math.abs(b.t - 120))[0];
const end = rss[rss.length - 1];
const peak = Math.max(...rss.map((x) => x.kib || 0));
console.log(`# server RSS between jobs (MiB): ${quiet.filter((_, i) => i % Math.ceil(quiet.length / 40) === 0).map((x) => `${x.t}s ${mib(x.kib)}`).join(', ')}`);
let memOk = true;
if (at2 && end.kib && SECONDS >= 240) {
	const ratio = end.kib / at2.kib;
	memOk = ratio <= 1.1;
	console.log(`# RSS at minute 2 (${at2.t} s, between jobs): ${mib(at2.kib)} MiB, at the end: ${mib(end.kib)} MiB (× ${ratio.toFixed(3)}; limit × 1.1); peak ${mib(peak)} MiB${BRIEF ? ' (brief: not checked)' : ''}`);
	if (at2.sqlite != null && endSqlite != null) {
		// growth that SQLite's page caches account for is not a leak: they
		// fill up with the database to their configured size, then stop
		const rest = (end.kib - endSqlite) / (at2.kib - at2.sqlite);
		console.log(`# of which SQLite (page caches, statements): ${mib(at2.sqlite)} → ${mib(endSqlite)} MiB; the rest ${mib(at2.kib - at2.sqlite)} → ${mib(end.kib - endSqlite)} MiB (× ${rest.toFixed(3)})`);
		if (!memOk && rest <= 1.1) {
			memOk = true;
			console.log('# the growth past × 1.1 is SQLite\'s page caches filling: not counted');
		}
	}
	if (BRIEF) memOk = true;
} else {
	console.log(`# RSS: start ${mib(rss[0].kib || 0)} MiB, end ${mib(end.kib || 0)} MiB, peak ${mib(peak)} MiB (run shorter than 4 minutes: growth not checked)`);
}
console.log(`# errors: ${errors.length}`);
for (const e of errors.slice(0, 30)) console.log(`#   ${e}`);
const json = { seconds: SECONDS, requests: total, errors: errors.length, rss_kib: rss, quiet_rss_kib: quiet, kinds: {} };
for (const [k, a] of lat) json.kinds[k] = { count: a.length, p50: pct(a, 50), p99: pct(a, 99), max: Math.max(...a) };
if (process.env.SOAK_REPORT) fs.writeFileSync(process.env.SOAK_REPORT, JSON.stringify(json, null, 1));
const ok = errors.length === 0 && memOk && total > 0;
console.log(ok ? 'ok - soak' : `not ok - soak (${errors.length} errors${memOk ? '' : ', memory grew'})`);
process.exit(ok ? 0 : 1);
