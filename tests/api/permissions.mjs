// permissions.mjs — walks every route of `minsheng serve --routes` × every
// role (and no credentials) × a target inside and one outside the caller's
// scope, and checks each status against permissions.tsv (written from SPEC,
// not from the server). Each case is one TAP line; a mismatch prints what
// was expected and what came back. Every response to a refused or
// out-of-scope request must also be free of the target's unmasked identity
// numbers, and lists must not show the out-of-scope record.
//
// Order: phase 1 runs the cases whose expected statuses are all refusals
// (nothing may change), phase 2 those that may succeed — each state-changing
// one on a target of its own, taken from the fixture pools — and phase 3
// the ones that end sessions (logout, password change).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tap, cli, request, login, waitJob, isFullId, fresh, shared, server } from './lib.mjs';
import { evalRequest } from './eval.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const V1 = '/api/v1';

export function readTable(file = path.join(here, 'permissions.tsv')) {
	const rows = [];
	for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
		if (!line.trim() || line.startsWith('#') || line.startsWith('method\t')) continue;
		const [method, p, variant, role, inS, outS, note] = line.split('\t');
		rows.push({ method, path: p, variant, role, in: inS, out: outS, note: note || '' });
	}
	return rows;
}

const ROLES = ['anon', 'admin', 'officer', 'station_head', 'worker', 'uploader', 'uploader_session', 'evaluator', 'auditor'];

// the callers: a role may have two users, each with its own inside and
// outside; loc = person-level place, st = station-level place
function callers(ctx) {
	return [
		{ role: 'anon', name: null, loc: ['S1w1', 'C2'], st: ['S1', 'C2'] },
		{ role: 'admin', name: 'admin1', province: true, loc: ['S1w1', 'C2'], st: ['S1', 'C2'] },
		{ role: 'officer', name: 'off_c1', loc: ['S1w1', 'C2'], st: ['S1', 'C2'] },
		{ role: 'officer', name: 'off_c2', loc: ['C2', 'S1w1'], st: ['C2', 'S1'] },
		{ role: 'station_head', name: 'head_s1', loc: ['S1w1', 'S2'], st: ['S1', 'S2'] },
		{ role: 'station_head', name: 'head_s2', loc: ['S2', 'S1w1'], st: ['S2', 'S1'] },
		{ role: 'worker', name: 'wk_s1a', loc: ['S1w1', 'S1w2'], st: ['S1', 'S2'] },
		{ role: 'worker', name: 'wk_s1b', loc: ['S1w2', 'S1w1'], st: ['S1', 'S2'] },
		{ role: 'uploader', name: 'upl', token: true, loc: ['S1w1', 'C2'], st: ['S1', 'C2'] },
		{ role: 'uploader_session', name: 'upl', loc: ['S1w1', 'C2'], st: ['S1', 'C2'] },
		{ role: 'evaluator', name: 'eva', loc: ['S1w1', 'C2'], st: ['S1', 'C2'] },
		{ role: 'auditor', name: 'aud', loc: ['S1w1', 'C2'], st: ['S1', 'C2'] },
	];
}

const stOf = (loc) => (loc.startsWith('S1') ? 'S1' : loc);
const is2xx = (set) => set.split('|').some((s) => /^2\d\d$/.test(s));

export async function runPermissions(ctx) {
	tap.section('permissions: the table against the routes');
	const table = readTable();
	const routes = cli(['serve', '--routes'])
		.split('\n')
		.filter(Boolean)
		.map((l) => l.trim());
	const routeSet = new Set(routes);
	const byRoute = new Map();
	for (const r of table) {
		const k = `${r.method} ${r.path}`;
		if (!byRoute.has(k)) byRoute.set(k, []);
		byRoute.get(k).push(r);
	}
	for (const k of routes) {
		const rows = byRoute.get(k) || [];
		const variants = [...new Set(rows.map((r) => r.variant))];
		const missing = [];
		for (const v of variants.length ? variants : ['-'])
			for (const role of ROLES) if (!rows.some((r) => r.variant === v && r.role === role)) missing.push(`${v}/${role}`);
		tap.ok(rows.length > 0 && missing.length === 0, `the table covers ${k}`, rows.length ? `no row for ${missing.join(', ')}` : 'no row at all');
	}
	const stray = [...byRoute.keys()].filter((k) => !routeSet.has(k));
	tap.ok(stray.length === 0, 'every route of the table exists (serve --routes)', `not a route: ${stray.join('; ')}`);
	const badStatus = table.filter((r) => ![r.in, r.out].every((s) => s === '-' || /^\d{3}(\|\d{3})*$/.test(s)));
	tap.ok(badStatus.length === 0, 'every status of the table is well formed', badStatus.map((r) => `${r.method} ${r.path} ${r.role}`).join('\n'));

	const env = await prepare(ctx);
	const cases = [];
	for (const row of table) {
		if (!routeSet.has(`${row.method} ${row.path}`)) continue;
		for (const c of callers(ctx).filter((c) => c.role === row.role))
			for (const side of ['in', 'out']) cases.push({ row, caller: c, side, expected: row[side] });
	}
	const ending = (c) => c.row.path === `${V1}/logout` || c.row.path === `${V1}/session/password`;
	const phase1 = cases.filter((c) => !ending(c) && !is2xx(c.expected));
	const phase2 = cases.filter((c) => !ending(c) && is2xx(c.expected));
	const phase3 = cases.filter(ending);
	const stats = { cases: 0, pass: 0, fail: 0, skip: 0, mismatches: [] };
	for (const [title, list] of [
		['phase 1: refusals (nothing may change)', phase1],
		['phase 2: allowed cases (each on a target of its own)', phase2],
		['phase 3: logout and password changes', phase3],
	]) {
		tap.section(`permissions: ${title}`);
		for (const c of list) await runCase(ctx, env, c, stats);
	}
	tap.note(`permissions: ${stats.cases} cases, ${stats.pass} as the table says, ${stats.fail} not, ${stats.skip} skipped`);
	if (stats.mismatches.length) {
		tap.note('mismatches (route, role, user, side: expected → got):');
		for (const m of stats.mismatches) tap.note(`  ${m}`);
	}
	return stats;
}

// ---- the environment: sessions, the uploader's batch, jobs of several users ----
async function prepare(ctx) {
	tap.section('permissions: sessions, batches and jobs');
	const env = { sessions: {}, jobs: {}, uploadRow: 0, ybRow: 0, userSeq: 0, paramDay: 0 };
	for (const name of ['admin1', 'off_c1', 'off_c2', 'head_s1', 'head_s2', 'wk_s1a', 'wk_s1b', 'eva', 'aud']) {
		const s = await login(name, ctx.pw[name]);
		tap.ok(s.status === 200, `${name} logs in`, `status ${s.status}: ${s.res?.text?.slice(0, 200)}`);
		if (s.status === 200) env.sessions[name] = s;
	}
	const us = await login('upl', ctx.pw.upl);
	env.uploaderSession = us.status === 200 ? us : null;
	tap.note(`the uploader's user ${us.status === 200 ? 'can' : 'cannot'} log in with its password (status ${us.status})`);
	// the uploader's own batch, with a rejected row (token upload)
	const rej = ctx.spouses[50];
	const body = `${ctx.jgHead}\n${ctx.jgRows[env.uploadRow++]}\n${rej.idno},${rej.name},粤W00001,小型轿车,2026-13-45\n`;
	const up = await request('POST', `${V1}/imports`, { token: ctx.token, query: { feed: 'jiaoguan', name: 'walk-uploader.csv' }, body });
	if (up.status === 202) {
		const j = await waitJob(up.json.job, { token: ctx.token });
		env.jobs.upl = up.json.job;
		env.uplBatch = j.json?.result?.batch;
	}
	tap.ok(env.uplBatch > 0, 'the uploader uploads a batch with its token (a fixture)', `status ${up.status}: ${up.text.slice(0, 200)}`);
	env.adminBatch = ctx.reviewBatch;
	// jobs started by the admin and by each officer
	const admin = env.sessions.admin1 && { session: env.sessions.admin1 };
	if (admin) {
		const r = await request('POST', `${V1}/scans`, { ...admin, body: { as_of: ctx.today, dry_run: true } });
		if (r.status === 202) {
			env.jobs.admin1 = r.json.job;
			await waitJob(r.json.job, admin);
		}
	}
	for (const name of ['off_c1', 'off_c2']) {
		if (!env.sessions[name]) continue;
		const auth = { session: env.sessions[name] };
		let r = await request('POST', `${V1}/imports`, { ...auth, query: { feed: 'jiaoguan', name: `walk-${name}.csv` }, body: `${ctx.jgHead}\n${ctx.jgRows[env.uploadRow++]}\n` });
		if (r.status !== 202) r = await request('POST', `${V1}/scans`, { ...auth, body: { as_of: ctx.today, dry_run: true } });
		if (r.status === 202) {
			env.jobs[name] = r.json.job;
			await waitJob(r.json.job, auth);
		}
	}
	tap.ok(env.jobs.admin1 && env.jobs.off_c1 && env.jobs.off_c2 && env.jobs.upl, 'jobs of the admin, both officers and the uploader exist (fixtures)', JSON.stringify(env.jobs));
	return env;
}

function authOf(ctx, env, caller) {
	if (caller.role === 'anon') return {};
	if (caller.token) return { token: ctx.token };
	if (caller.role === 'uploader_session') return env.uploaderSession ? { session: env.uploaderSession } : null;
	return env.sessions[caller.name] ? { session: env.sessions[caller.name] } : null;
}

// A target from a pool: the shared first one, or a fresh one when the case
// may succeed and change it.
function take(ctx, key, consume) {
	return takeFrom(ctx.pools[key], consume, `pool ${key}`);
}
function takeFrom(list, consume, label) {
	return consume ? fresh(list, label) : shared(list, label);
}

const alertVersion = (id) => cli(['alert', 'show', String(id), '--json'], { json: true }).version;
const stationCode = (ctx, st) => ctx.stationOf[st];
const assigneeAt = { S1: 'wk_s1a', S1w1: 'wk_s1a', S1w2: 'wk_s1b', S2: 'wk_s2', C2: 'wk_c2' };
const members = (h) => h.members.map((m) => m.idno);

// Builds the request of a case: {method, path, query, body, auth, secrets, check}
async function build(ctx, env, c, consume) {
	const { row, caller, side } = c;
	const i = side === 'in' ? 0 : 1;
	const loc = caller.loc[i],
		st = caller.st[i];
	const q = { method: row.method, path: row.path, secrets: [] };
	const set = (p) => (q.path = p);
	const person = (l) => ctx.pools[`assigned:${l}`][0].person;
	const household = (l) => ctx.pools[`assigned:${l}`][0].household;
	if (row.path.startsWith(`${V1}/eval/`)) return evalRequest(ctx, env, c, consume, q, takeFrom);
	switch (`${row.method} ${row.path}`) {
		case 'GET /healthz':
		case 'GET /metrics':
		case `GET ${V1}/openapi.json`:
		case `GET ${V1}/session`:
		case `GET ${V1}/tokens`:
		case `GET ${V1}/audit`:
		case `GET ${V1}/audit/verify`:
		case `GET ${V1}/rules`:
		case `GET ${V1}/params`:
			break;
		case `POST ${V1}/login`:
			q.auth = {};
			q.body = caller.role === 'anon' ? { username: 'nobody_here', password: 'not-a-password' } : { username: caller.name, password: ctx.pw[caller.name] };
			break;
		case `POST ${V1}/logout`:
			if (caller.role !== 'anon' && !caller.token) {
				const s = await login(caller.name, ctx.pw[caller.name]);
				if (s.status !== 200) throw new Error(`cannot open a fresh session for ${caller.name} (${s.status})`);
				q.auth = { session: s };
			}
			q.body = {};
			break;
		case `POST ${V1}/session/password`: {
			if (caller.role !== 'anon' && !caller.token) {
				const s = await login(caller.name, ctx.pw[caller.name]);
				if (s.status !== 200) throw new Error(`cannot open a fresh session for ${caller.name} (${s.status})`);
				q.auth = { session: s };
			}
			const old = ctx.pw[caller.name] || 'whatever-password';
			const nw = `${old.replace(/-v\d+$/, '')}-v${++env.userSeq}`;
			q.body = { old_password: old, new_password: nw };
			q.after = (res) => {
				if (res.status === 200 && caller.name) ctx.pw[caller.name] = nw;
			};
			break;
		}
		case `GET ${V1}/users`:
			q.query = { limit: 500 };
			if (caller.role !== 'admin') {
				const outUser = ctx.targetUser[caller.st[1]];
				q.check = (res) => (res.status === 200 && res.text.includes(`"${outUser}"`) ? `lists ${outUser}, a user outside its scope` : null);
			}
			break;
		case `GET ${V1}/users/{name}`:
			set(`${V1}/users/${ctx.targetUser[st]}`);
			break;
		case `POST ${V1}/users`: {
			const code = stationCode(ctx, st);
			q.body = { name: `walk_new_${++env.userSeq}`, role: 'worker', scope: code, station: code, password: 'walk-password-1' };
			break;
		}
		case `POST ${V1}/users/{name}/password`:
			set(`${V1}/users/${takeFrom(ctx.throwaway[st], consume, `throwaway users at ${st}`)}/password`);
			q.body = { password: 'walk-reset-password' };
			break;
		case `POST ${V1}/users/{name}/disable`:
			set(`${V1}/users/${takeFrom(ctx.throwaway[st], consume, `throwaway users at ${st}`)}/disable`);
			q.body = {};
			break;
		case `POST ${V1}/users/{name}/totp`:
			set(`${V1}/users/${takeFrom(ctx.throwaway[st], consume, `throwaway users at ${st}`)}/totp`);
			q.body = {};
			break;
		case `DELETE ${V1}/users/{name}/totp`:
			set(`${V1}/users/${takeFrom(ctx.throwaway[st], consume, `throwaway users at ${st}`)}/totp`);
			break;
		case `POST ${V1}/tokens`:
			q.body = { user: 'upl', feeds: 'yibao', label: 'walk' };
			break;
		case `DELETE ${V1}/tokens/{id}`:
			set(`${V1}/tokens/${takeFrom(ctx.throwawayTokens, consume, 'throwaway tokens')}`);
			break;
		case `GET ${V1}/alerts`: {
			q.query = { limit: 500 };
			const inId = ctx.pools[`assigned:${caller.loc[0]}`][0].id;
			const outId = ctx.pools[`assigned:${caller.loc[1]}`][0].id;
			if (caller.role !== 'admin')
				q.check = (res) => {
					if (res.status !== 200) return null;
					const ids = (res.json?.items || []).map((a) => a.id);
					if (ids.includes(outId)) return `lists alert ${outId}, outside its scope`;
					if (side === 'in' && !ids.includes(inId)) return `does not list alert ${inId}, inside its scope`;
					return null;
				};
			break;
		}
		case `GET ${V1}/alerts/{id}`: {
			const a = ctx.pools[`assigned:${loc}`][0];
			set(`${V1}/alerts/${a.id}`);
			q.secrets = members(a.household);
			break;
		}
		case `POST ${V1}/alerts/{id}/transition`: {
			const v = row.variant;
			const state = { assign: 'new', start: 'assigned', verify: 'verifying', return: 'verified', close: 'verified' }[v];
			const where = state === 'new' ? stOf(loc) : loc;
			const a = take(ctx, `${state}:${where}`, consume);
			set(`${V1}/alerts/${a.id}/transition`);
			const version = alertVersion(a.id);
			q.body = {
				assign: { to: 'assigned', version, assignee: assigneeAt[where], note: 'walk' },
				start: { to: 'verifying', version, note: 'walk' },
				verify: { to: 'verified', version, outcome: 'no_action', note: 'walk' },
				return: { to: 'returned', version, note: 'walk' },
				close: { to: 'closed', version, decision: '属实，无需救助（测试）', note: 'walk' },
			}[v];
			q.secrets = members(a.household);
			q.label = `alert ${a.id} (${state} at ${where})`;
			break;
		}
		case `POST ${V1}/alerts/verify`: {
			const a = take(ctx, `verifying:${loc}`, consume);
			q.body = { ids: [a.id], versions: [alertVersion(a.id)], outcome: 'no_action', note: 'walk', household: a.household.id };
			q.secrets = members(a.household);
			q.label = `alert ${a.id} (verifying at ${loc})`;
			break;
		}
		case `POST ${V1}/alerts/{id}/attachments`: {
			const a = ctx.pools[`verifying:${loc}`][0];
			set(`${V1}/alerts/${a.id}/attachments`);
			q.query = { name: 'walk.jpg' };
			q.body = ctx.photo;
			q.headers = { 'content-type': 'image/jpeg' };
			q.secrets = members(a.household);
			break;
		}
		case `GET ${V1}/alerts/{id}/attachments/{sha256}`: {
			const a = ctx.pools[`verified:${loc}`][0];
			set(`${V1}/alerts/${a.id}/attachments/${ctx.photoSha}`);
			q.secrets = members(a.household);
			break;
		}
		case `GET ${V1}/inbox`:
			if (caller.role === 'worker') q.query = { kind: 'worker', code: side === 'in' ? caller.name : 'wk_s2' };
			else if (caller.role === 'station_head') q.query = { kind: 'station', code: stationCode(ctx, st) };
			else q.query = { kind: 'county', code: stationCode(ctx, st).slice(0, 6) };
			break;
		case `GET ${V1}/stats`:
			q.query = { area: stationCode(ctx, st) };
			break;
		case `GET ${V1}/search`: {
			const p = person(loc);
			q.query = { q: p.name };
			q.secrets = [p.idno];
			q.check = (res) => {
				if (res.status !== 200) return null;
				const hit = (res.json?.items || []).some((it) => it.name === p.name && String(it.area || '').startsWith(p.area.slice(0, 9)));
				if (side === 'out' && !caller.province && hit) return `finds ${p.name} at ${p.area}, outside its scope`;
				if ((side === 'in' || caller.province) && !hit) return `does not find ${p.name} at ${p.area}, inside its scope`;
				return null;
			};
			break;
		}
		case `GET ${V1}/persons/{id}`:
		case `GET ${V1}/persons/{id}/facts`:
		case `GET ${V1}/persons/{id}/timeline`: {
			const p = person(loc);
			set(row.path.replace('{id}', p.idno));
			q.secrets = [p.idno];
			break;
		}
		case `GET ${V1}/households/{id}`:
		case `GET ${V1}/households/{id}/timeline`: {
			const h = household(loc);
			set(row.path.replace('{id}', h.id));
			q.secrets = members(h);
			break;
		}
		case `GET ${V1}/households/{id}/file`: {
			const h = ctx.fileHH[st];
			set(`${V1}/households/${h.id}/file`);
			q.secrets = members(h);
			break;
		}
		case `POST ${V1}/households/{id}/file`: {
			const h = household(loc);
			set(`${V1}/households/${h.id}/file`);
			q.body = { type: 'visit', day: ctx.today, kind: '入户', note: 'walk' };
			q.secrets = members(h);
			break;
		}
		case `POST ${V1}/service/{type}/{id}/result`: {
			const id = takeFrom(ctx.referrals[st], consume, `referrals at ${st}`);
			set(`${V1}/service/referral/${id}/result`);
			q.body = { day: ctx.today, result: '已办理（测试）', note: 'walk' };
			q.secrets = members(ctx.fileHH[st]);
			break;
		}
		case `GET ${V1}/imports`:
			q.query = { limit: 500 };
			if (caller.role === 'uploader' || caller.role === 'uploader_session')
				q.check = (res) => {
					if (res.status !== 200) return null;
					const others = (res.json?.items || []).filter((b) => b.actor !== 'upl');
					return others.length ? `shows ${others.length} batches of other users` : null;
				};
			break;
		case `POST ${V1}/imports`: {
			const feed = side === 'in' ? 'jiaoguan' : 'yibao';
			q.query = { feed, name: `walk-${caller.role}-${side}.csv` };
			q.body = feed === 'jiaoguan' ? `${ctx.jgHead}\n${ctx.jgRows[env.uploadRow++]}\n` : `${ctx.ybHead}\n${ctx.ybRows[env.ybRow++]}\n`;
			q.headers = { 'content-type': 'text/csv' };
			q.job = true;
			break;
		}
		case `GET ${V1}/imports/{id}`:
		case `GET ${V1}/imports/{id}/rejects`: {
			const upl = caller.role === 'uploader' || caller.role === 'uploader_session';
			const id = upl ? (side === 'in' ? env.uplBatch : env.adminBatch) : side === 'in' ? env.adminBatch : env.uplBatch;
			set(row.path.replace('{id}', id));
			break;
		}
		case `POST ${V1}/imports/{id}/revoke`:
			set(`${V1}/imports/${takeFrom(ctx.revokeBatches, consume, 'throwaway batches')}/revoke`);
			q.body = { reason: 'walk' };
			break;
		case `GET ${V1}/review`: {
			q.query = { limit: 500, state: 'all' };
			const outId = ctx.review[caller.loc[1] === 'C2' ? 'C2' : 'S1'][0];
			if (caller.role === 'officer')
				q.check = (res) => (res.status === 200 && (res.json?.items || []).some((v) => v.id === outId) ? `lists review item ${outId}, outside its scope` : null);
			break;
		}
		case `POST ${V1}/review/{id}`: {
			const id = takeFrom(ctx.review[loc === 'C2' ? 'C2' : 'S1'], consume, 'review items');
			set(`${V1}/review/${id}`);
			q.body = { discard: true, note: 'walk' };
			break;
		}
		case `GET ${V1}/jobs/{id}`: {
			const own = { admin1: ['admin1', 'off_c2'], off_c1: ['off_c1', 'off_c2'], off_c2: ['off_c2', 'off_c1'], upl: ['upl', 'admin1'] }[caller.name] || ['admin1', 'off_c2'];
			const id = env.jobs[own[i]];
			if (!id) throw new Error(`no job of ${own[i]}`);
			set(`${V1}/jobs/${id}`);
			break;
		}
		case `POST ${V1}/scans`:
			q.body = { as_of: ctx.today, dry_run: true };
			q.job = true;
			break;
		case `GET ${V1}/rules/{id}`:
			set(`${V1}/rules/R13`);
			break;
		case `POST ${V1}/rules/test`:
			q.body = {};
			break;
		case `POST ${V1}/params/{name}`: {
			set(`${V1}/params/remind_days`);
			const d = new Date(`${ctx.today}T00:00:00Z`);
			d.setUTCDate(d.getUTCDate() - ++env.paramDay);
			q.body = { from: d.toISOString().slice(0, 10), area: '44', value: '2', source: 'walk' };
			break;
		}
		case `GET ${V1}/stations`: {
			const inCode = stationCode(ctx, caller.st[0]),
				outCode = stationCode(ctx, caller.st[1]);
			if (['officer', 'station_head', 'worker'].includes(caller.role))
				q.check = (res) => {
					if (res.status !== 200) return null;
					const codes = (res.json?.items || []).map((s) => s.code);
					if (codes.includes(outCode)) return `lists station ${outCode}, outside its scope`;
					if (!codes.includes(inCode)) return `does not list station ${inCode}, inside its scope`;
					return null;
				};
			break;
		}
		case `GET ${V1}/stations/{code}`:
			set(`${V1}/stations/${stationCode(ctx, st)}`);
			break;
		case `GET ${V1}/stations/{code}/records/{kind}`:
			set(`${V1}/stations/${stationCode(ctx, st)}/records/affair`);
			break;
		case `POST ${V1}/stations/{code}/records/{kind}`:
			set(`${V1}/stations/${stationCode(ctx, st)}/records/affair`);
			q.body = { day: ctx.today, summary: '调解邻里纠纷（测试）' };
			break;
		// operations (docs/operations.md): prints as the detail routes, the
		// monthly report of a county, webhooks (admins)
		case `GET ${V1}/alerts/{id}/print.pdf`: {
			const a = ctx.pools[`assigned:${loc}`][0];
			set(`${V1}/alerts/${a.id}/print.pdf`);
			q.secrets = members(a.household);
			break;
		}
		case `GET ${V1}/households/{id}/print.pdf`: {
			const h = household(loc);
			set(`${V1}/households/${h.id}/print.pdf`);
			q.secrets = members(h);
			break;
		}
		case `GET ${V1}/reports/monthly`:
			q.query = { area: stationCode(ctx, st).slice(0, 6), month: ctx.today.slice(0, 7) };
			break;
		case `GET ${V1}/webhooks`:
		case `GET ${V1}/webhooks/deliveries`:
			break;
		case `POST ${V1}/webhooks`:
			q.body = { url: 'http://127.0.0.1:9/walk', secret: 'walk-secret-0123456789', events: 'overdue' };
			break;
		case `DELETE ${V1}/webhooks/{id}`:
			set(`${V1}/webhooks/${takeFrom(ctx.throwawayWebhooks, consume, 'throwaway webhooks')}`);
			break;
		default:
			throw new Error(`the walk has no request for ${row.method} ${row.path}`);
	}
	return q;
}

async function runCase(ctx, env, c, stats) {
	const { row, caller, side, expected } = c;
	const who = caller.name ? `${caller.role} ${caller.name}${caller.token ? ' (token)' : ''}` : 'anon';
	// the province-wide admin has no outside: its second target is another city
	const outside = side === 'out' && !caller.province;
	const where = side === 'in' ? 'inside the scope' : caller.province ? 'another city (inside its scope)' : 'outside the scope';
	let name = `${row.method} ${row.path}${row.variant !== '-' ? ` [${row.variant}]` : ''} as ${who}, ${where} → ${expected}`;
	stats.cases++;
	if (expected === '-') {
		stats.skip++;
		tap.skip(name, row.note || 'not checked');
		return;
	}
	if (caller.role === 'uploader_session' && !env.uploaderSession && row.path !== `${V1}/login`) {
		stats.skip++;
		tap.skip(name, 'the uploader cannot log in with a password');
		return;
	}
	let q, res;
	try {
		q = await build(ctx, env, c, is2xx(expected));
		const auth = q.auth ?? authOf(ctx, env, caller);
		if (!auth) throw new Error(`no session for ${who}`);
		res = await request(q.method, q.path, { ...auth, query: q.query, body: q.body, headers: q.headers });
		if (q.after) q.after(res);
		if (q.job && res.status === 202 && res.json?.job) await waitJob(res.json.job, auth);
	} catch (e) {
		if (server.exited) throw new Error(`the server died (${server.exited.code ?? server.exited.sig}) during ${name}`);
		stats.fail++;
		stats.mismatches.push(`${row.method} ${row.path} ${row.variant} | ${who} | ${side}: ${e.message}`);
		tap.ok(false, name, `could not run the case: ${e.message}`);
		return;
	}
	const problems = [];
	const want = expected.split('|').map(Number);
	if (!want.includes(res.status)) problems.push(`expected ${expected}, got ${res.status}: ${res.text.slice(0, 300)}`);
	// a refused or out-of-scope answer never carries the target's identity numbers
	if (expected.includes('|')) name += ` (got ${res.status})`;
	if (outside || res.status >= 400)
		for (const s of q.secrets || []) if (isFullId(s) && res.text.includes(s)) problems.push(`the response carries the unmasked identity number ${s}`);
	if (q.check) {
		const p = q.check(res);
		if (p) problems.push(p);
	}
	if (problems.length) {
		stats.fail++;
		stats.mismatches.push(`${row.method} ${q.path}${row.variant !== '-' ? ` [${row.variant}]` : ''} | ${who} | ${side}${q.label ? ` ${q.label}` : ''}: ${problems.join('; ')}`);
	} else stats.pass++;
	tap.ok(problems.length === 0, name, problems.join('\n'));
}
