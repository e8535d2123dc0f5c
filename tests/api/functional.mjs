// functional.mjs — the behaviours of the API (SPEC §6, §7): sessions and
// cookies, wrong passwords, lockout, CSRF, password reset, TOTP, department
// tokens and jobs, the alert list and its pagination, transitions, scans,
// search, limits, health and metrics, the access log; login throttling by
// address last (it locks 127.0.0.1 out of logins).
import { tap, cli, request, login, waitJob, totp, isFullId, fresh, sleep, server, sha256 } from './lib.mjs';

const V1 = '/api/v1';
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00$/;

function diag(res) {
	return res ? `status ${res.status}: ${String(res.text).slice(0, 400)}` : 'no response';
}

async function sessionOf(ctx, name) {
	const s = await login(name, ctx.pw[name]);
	if (s.status !== 200) throw new Error(`${name} cannot log in: ${diag(s.res)}`);
	return { session: s };
}

// Runs one group; an exception fails the group instead of the whole run.
async function group(title, fn) {
	tap.section(title);
	try {
		await fn();
	} catch (e) {
		tap.ok(false, `${title}: ran to the end`, e.stack || e.message);
		if (server.exited) throw new Error(`the server died (${server.exited.code ?? server.exited.sig})`);
	}
}

export async function runFunctional(ctx) {
	const admin = await sessionOf(ctx, 'admin1');

	await group('login, cookie, session, logout', async () => {
		const s = await login('admin1', ctx.pw.admin1);
		tap.ok(s.status === 200, 'POST /login with the right password → 200', diag(s.res));
		const sc = s.setCookie || '';
		tap.ok(/ms_session=[^;]{16,}/.test(sc), 'the answer sets the ms_session cookie', sc);
		tap.ok(/;\s*HttpOnly/i.test(sc), 'the session cookie is HttpOnly', sc);
		tap.ok(/;\s*SameSite=Strict/i.test(sc), 'the session cookie is SameSite=Strict', sc);
		tap.ok(typeof s.res?.json?.csrf === 'string' && s.res.json.csrf.length >= 16, 'the body carries a csrf token', diag(s.res));
		const me = await request('GET', `${V1}/session`, { session: s });
		tap.ok(me.status === 200 && me.json?.user?.name === 'admin1' && me.json?.csrf === s.csrf, 'GET /session → the user and its csrf token', diag(me));
		tap.ok(!me.text.includes(s.cookie), 'GET /session does not echo the session token', '');
		const wrong = await login('admin1', 'not-the-password');
		const unknown = await login('no_such_user_here', 'not-the-password');
		tap.ok(wrong.status === 401, 'a wrong password → 401', diag(wrong.res));
		tap.ok(unknown.status === 401, 'an unknown user → 401', diag(unknown.res));
		tap.ok(wrong.res?.json?.error?.message === unknown.res?.json?.error?.message && wrong.res?.json?.error?.code === unknown.res?.json?.error?.code,
			'an unknown user and a wrong password get one and the same message', `${wrong.res?.text} / ${unknown.res?.text}`);
		tap.ok(!/set-cookie/i.test(Object.keys(wrong.res?.headers || {}).join(' ')) || !/ms_session=[^;]{16,}/.test([].concat(wrong.res.headers['set-cookie'] || []).join()), 'a failed login sets no session', '');
		const noBody = await request('POST', `${V1}/login`, { body: { username: 'admin1' } });
		tap.ok(noBody.status === 400 || noBody.status === 401, 'a login without a password → 400 or 401', diag(noBody));
		// logout ends the session; without the CSRF token it is refused
		const o = await login('fx_out', 'logout-password');
		tap.ok(o.status === 200, 'fx_out logs in', diag(o.res));
		const lo0 = await request('POST', `${V1}/logout`, { session: o, csrf: false, body: {} });
		tap.ok(lo0.status === 403, 'POST /logout without X-CSRF-Token → 403', diag(lo0));
		const still = await request('GET', `${V1}/session`, { session: o });
		tap.ok(still.status === 200, '… and the session is still open', diag(still));
		const lo = await request('POST', `${V1}/logout`, { session: o, body: {} });
		tap.ok(lo.status === 200, 'POST /logout → 200', diag(lo));
		const after = await request('GET', `${V1}/session`, { session: o });
		tap.ok(after.status === 401, 'the old cookie no longer opens the session (401)', diag(after));
		const anon = await request('GET', `${V1}/alerts`);
		tap.ok(anon.status === 401 && anon.json?.error, 'no session → 401 with a JSON error', diag(anon));
	});

	await group('lockout after repeated failures (SPEC §7)', async () => {
		const codes = [];
		for (let i = 0; i < 5; i++) codes.push((await login('fx_lock', 'wrong-password-' + i)).status);
		tap.ok(codes.every((c) => c === 401), 'five wrong passwords → 401 each', codes.join(','));
		const r = await login('fx_lock', 'lock-password');
		tap.ok(r.status !== 200 && r.status >= 400, 'then even the right password is refused: the account is locked', diag(r.res));
		const other = await login('wk_s1a', ctx.pw.wk_s1a);
		tap.ok(other.status === 200, 'another account is not affected', diag(other.res));
	});

	await group('CSRF', async () => {
		const head = await sessionOf(ctx, 'head_s1');
		const a = fresh(ctx.pools['new:S1'], 'new alerts at S1');
		const v = cli(['alert', 'show', String(a.id), '--json'], { json: true }).version;
		const body = { to: 'assigned', version: v, assignee: 'wk_s1a', note: 'csrf test' };
		const r1 = await request('POST', `${V1}/alerts/${a.id}/transition`, { ...head, csrf: false, body });
		tap.ok(r1.status === 403, 'a transition without X-CSRF-Token → 403', diag(r1));
		const r2 = await request('POST', `${V1}/alerts/${a.id}/transition`, { ...head, csrf: false, headers: { 'x-csrf-token': 'f'.repeat(64) }, body });
		tap.ok(r2.status === 403, 'a transition with a wrong X-CSRF-Token → 403', diag(r2));
		const r2b = await request('POST', `${V1}/alerts/${a.id}/transition`, { ...head, csrf: false, headers: { 'x-csrf-token': admin.session.csrf }, body });
		tap.ok(r2b.status === 403, 'a transition with another session\'s X-CSRF-Token → 403', diag(r2b));
		const now = cli(['alert', 'show', String(a.id), '--json'], { json: true });
		tap.ok(now.state === 'new' && now.version === v, 'nothing changed: the alert is still new, same version', JSON.stringify({ state: now.state, version: now.version }));
		const r3 = await request('POST', `${V1}/alerts/${a.id}/transition`, { ...head, body });
		tap.ok(r3.status === 200 && r3.json?.state === 'assigned', 'with the right token the same request → 200', diag(r3));
	});

	await group('password reset by an admin: change it before anything else', async () => {
		const r = await request('POST', `${V1}/users/fx_reset/password`, { ...admin, body: { password: 'reset-new-password' } });
		tap.ok(r.status === 200, 'admin POST /users/fx_reset/password → 200', diag(r));
		const old = await login('fx_reset', 'reset-password');
		tap.ok(old.status === 401, 'the old password no longer works', diag(old.res));
		const s = await login('fx_reset', 'reset-new-password');
		tap.ok(s.status === 200 && (s.res.json?.must_change === true || s.res.json?.user?.must_change === true), 'login with the new password → 200, must_change', diag(s.res));
		const blocked = await request('GET', `${V1}/alerts`, { session: s });
		tap.ok(blocked.status === 403, 'GET /alerts before the change → 403', diag(blocked));
		const blocked2 = await request('GET', `${V1}/persons/${ctx.pools['assigned:S1w1'][0].person.idno}`, { session: s });
		tap.ok(blocked2.status === 403, 'GET /persons/{id} before the change → 403', diag(blocked2));
		const sess = await request('GET', `${V1}/session`, { session: s });
		tap.ok(sess.status === 200, 'GET /session is allowed meanwhile', diag(sess));
		const ch = await request('POST', `${V1}/session/password`, { session: s, body: { old_password: 'reset-new-password', new_password: 'reset-final-password' } });
		tap.ok(ch.status === 200, 'POST /session/password → 200', diag(ch));
		const s2 = await login('fx_reset', 'reset-final-password');
		tap.ok(s2.status === 200 && s2.res.json?.must_change !== true, 'a new login: no must_change any more', diag(s2.res));
		const ok = s2.status === 200 ? await request('GET', `${V1}/alerts`, { session: s2 }) : null;
		tap.ok(ok?.status === 200, 'GET /alerts now → 200', diag(ok));
	});

	await group('TOTP second factor (RFC 6238)', async () => {
		const r = await request('POST', `${V1}/users/fx_totp/totp`, { ...admin, body: {} });
		tap.ok(r.status === 200 && typeof r.json?.secret === 'string', 'admin enrols fx_totp: POST /users/fx_totp/totp → 200 with a secret', diag(r));
		const secret = r.json?.secret;
		const no = await login('fx_totp', 'totp-password');
		tap.ok(no.status === 401 && no.res.json?.otp_required === true, 'login without a code → 401 with otp_required', diag(no.res));
		const bad = await login('fx_totp', 'totp-password', { otp: totp(secret, Date.now() / 1000 - 3600) });
		tap.ok(bad.status === 401, 'login with a wrong code → 401', diag(bad.res));
		let good = await login('fx_totp', 'totp-password', { otp: totp(secret) });
		if (good.status !== 200) {
			await sleep(1100); // a code computed on a step boundary: once more
			good = await login('fx_totp', 'totp-password', { otp: totp(secret) });
		}
		tap.ok(good.status === 200, 'login with the code computed here (HMAC-SHA1, 30 s) → 200', diag(good.res));
	});

	await group('department token: uploads and jobs', async () => {
		const tok = { token: ctx.token };
		const nw = ctx.spouses[52],
			rej = ctx.spouses[53];
		const file = `${ctx.jgHead}\n${nw.idno},${nw.name},粤V55555,小型轿车,2024-02-02\n${ctx.jgRows[30]}\n${rej.idno},${rej.name},粤V66666,小型轿车,2024-99-99\n`;
		const up = await request('POST', `${V1}/imports`, { ...tok, query: { feed: 'jiaoguan', name: 'functional.csv' }, body: file, headers: { 'content-type': 'text/csv' } });
		tap.ok(up.status === 202 && Number.isInteger(up.json?.job), 'POST /imports?feed=jiaoguan with its token → 202 {"job"}', diag(up));
		const j = await waitJob(up.json?.job, tok, 30000);
		tap.ok(j?.status === 200 && j.json?.state === 'done', 'GET /jobs/{id} reaches done (bounded wait)', diag(j));
		const c = j?.json?.result || {};
		const keys = ['rows', 'accepted', 'unchanged', 'updated', 'rejected', 'review', 'corrected'];
		tap.ok(keys.every((k) => Number.isInteger(c[k])), 'the job carries the counts of SPEC §2.5', JSON.stringify(c));
		tap.ok(c.rows === 3 && c.accepted === 1 && c.unchanged === 1 && c.rejected === 1 && c.review === 0 && c.updated === 0, 'counts: 3 rows = 1 accepted + 1 unchanged + 1 rejected', JSON.stringify(c));
		tap.ok(c.rows === c.accepted + c.unchanged + c.updated + c.rejected + c.review, 'rows = accepted + unchanged + updated + rejected + review', JSON.stringify(c));
		const batch = c.batch;
		const other = await request('POST', `${V1}/imports`, { ...tok, query: { feed: 'yibao', name: 'x.csv' }, body: `${ctx.ybHead}\n${ctx.ybRows[35]}\n` });
		tap.ok(other.status === 403, 'an upload to another feed → 403', diag(other));
		for (const [m, p] of [['GET', `${V1}/alerts`], ['GET', `${V1}/session`], ['GET', `${V1}/persons/${nw.idno}`], ['GET', `${V1}/search?q=${encodeURIComponent(nw.name)}`], ['POST', `${V1}/scans`]]) {
			const r = await request(m, p, { ...tok, body: m === 'POST' ? { dry_run: true } : undefined });
			tap.ok(r.status === 403, `the token on ${m} ${p.replace(nw.idno, '{id}')} → 403`, diag(r));
			tap.ok(!r.text.includes(nw.idno), `… and the answer has no identity number`, r.text.slice(0, 200));
		}
		const list = await request('GET', `${V1}/imports`, { ...tok, query: { limit: 500 } });
		const items = list.json?.items || [];
		tap.ok(list.status === 200 && items.length > 0 && items.every((b) => b.actor === 'upl'), 'GET /imports with the token: only its own batches', diag(list));
		tap.ok(items.some((b) => b.id === batch), '… including the new one', JSON.stringify(items.map((b) => b.id)));
		const all = await request('GET', `${V1}/imports`, { ...admin, query: { limit: 500 } });
		tap.ok(all.status === 200 && (all.json?.items || []).some((b) => b.actor !== 'upl'), '(an admin sees batches of other users: the filter means something)', diag(all));
		const rj = await request('GET', `${V1}/imports/${batch}/rejects`, tok);
		tap.ok(rj.status === 200 && (rj.json?.items || []).length === 1, 'GET /imports/{id}/rejects → the rejected row', diag(rj));
		tap.ok(!rj.text.includes(rej.idno) && !rj.text.includes(nw.idno), 'rejects come masked: no identity number in clear', rj.text.slice(0, 400));
		const orig = rj.json?.items?.[0]?.original || '';
		tap.ok(orig.includes(rej.idno.slice(0, 6)) && orig.includes(rej.idno.slice(-4)) && orig.includes('*'), 'the masked number keeps its first 6 and last 4 characters', orig);
		const foreign = await request('GET', `${V1}/imports/${ctx.reviewBatch}`, tok);
		tap.ok(foreign.status === 404, 'another user\'s batch → 404 for the token', diag(foreign));
		const again = await request('POST', `${V1}/imports`, { ...tok, query: { feed: 'jiaoguan', name: 'functional-again.csv' }, body: file });
		const ja = again.status === 202 ? await waitJob(again.json.job, tok, 30000) : null;
		tap.ok(ja?.json?.state === 'done' && ja.json.result?.already_imported === true, 'the same file again: "already imported", nothing changes', diag(ja || again));
	});

	await group('the alert list: fields, masking, pagination', async () => {
		const cliAlerts = cli(['alerts', '--json', '--limit', '100000'], { json: true });
		const byId = new Map(cliAlerts.map((a) => [a.id, a]));
		const page = async (auth, limit) => {
			const ids = [];
			let cursor = null,
				pages = 0,
				bad = null;
			do {
				const r = await request('GET', `${V1}/alerts`, { ...auth, query: { limit, ...(cursor ? { cursor } : {}) } });
				if (r.status !== 200) {
					bad = r;
					break;
				}
				ids.push(...r.json.items.map((a) => a.id));
				cursor = r.json.next;
				if (++pages > 1000) break;
			} while (cursor !== null && cursor !== undefined);
			return { ids, bad, pages };
		};
		const off = await sessionOf(ctx, 'off_c1');
		const p = await page(off, 7);
		tap.ok(!p.bad, 'officer: every page → 200', diag(p.bad));
		tap.ok(p.ids.every((id, i) => i === 0 || p.ids[i - 1] < id), 'pages come in id order, each id once', p.ids.join(','));
		const want = cliAlerts.filter((a) => a.area.startsWith(ctx.C1)).map((a) => a.id).sort((a, b) => a - b);
		tap.ok(JSON.stringify(p.ids) === JSON.stringify(want), `the pages cover exactly the ${want.length} alerts of the officer's city (${p.pages} pages of 7)`,
			`missing: ${want.filter((x) => !p.ids.includes(x)).join(',')}; extra: ${p.ids.filter((x) => !want.includes(x)).join(',')}`);
		const pa = await page(admin, 50);
		tap.ok(JSON.stringify(pa.ids) === JSON.stringify(cliAlerts.map((a) => a.id).sort((a, b) => a - b)), `admin: the pages cover all ${cliAlerts.length} alerts`, `got ${pa.ids.length}`);
		const wk = await sessionOf(ctx, 'wk_s1a');
		const pw = await page(wk, 500);
		const mine = cliAlerts.filter((a) => a.assignee === 'wk_s1a').map((a) => a.id).sort((a, b) => a - b);
		tap.ok(JSON.stringify(pw.ids) === JSON.stringify(mine), `worker: exactly the ${mine.length} alerts assigned to it`, `got ${pw.ids.join(',')}; want ${mine.join(',')}`);
		const big = await request('GET', `${V1}/alerts`, { ...admin, query: { limit: 501 } });
		tap.ok(big.status === 400 && big.json?.error, 'limit=501 → 400', diag(big));
		const zero = await request('GET', `${V1}/alerts`, { ...admin, query: { limit: 0 } });
		tap.ok(zero.status === 400, 'limit=0 → 400', diag(zero));
		const badState = await request('GET', `${V1}/alerts`, { ...admin, query: { state: 'nonsense' } });
		tap.ok(badState.status === 400, 'an unknown state → 400', diag(badState));
		const def = await request('GET', `${V1}/alerts`, admin);
		tap.ok(def.status === 200 && def.json.items.length === Math.min(50, cliAlerts.length), 'limit 50 by default', `got ${def.json?.items?.length}`);
		const items = (await request('GET', `${V1}/alerts`, { ...admin, query: { limit: 500 } })).json.items;
		const fieldProblems = [];
		for (const it of items) {
			const c = byId.get(it.id);
			const p = [];
			if (!Number.isInteger(it.id)) p.push('id');
			if (typeof it.rule !== 'string' || it.rule !== c?.rule) p.push('rule');
			if (!['person', 'household'].includes(it.subject_type) || it.subject_type !== c?.subject_type) p.push('subject_type');
			if (typeof it.subject !== 'string' || (it.subject_type === 'person' && (isFullId(it.subject) || it.subject === c?.subject))) p.push(`subject not masked (${it.subject})`);
			if (typeof it.subject_ref !== 'string' || !it.subject_ref) p.push('subject_ref');
			if (it.area !== c?.area) p.push('area');
			if (!['new', 'assigned', 'verifying', 'verified', 'returned', 'closed'].includes(it.state) || it.state !== c?.state) p.push('state');
			if (!('assignee' in it) || (it.assignee ?? null) !== (c?.assignee ?? null)) p.push('assignee');
			if (!Number.isInteger(it.version) || it.version < 1) p.push('version');
			if (!RFC3339.test(it.created || '')) p.push(`created ${it.created}`);
			if (!/^\d{4}-\d\d-\d\d$/.test(it.due || '')) p.push(`due ${it.due}`);
			if (p.length) fieldProblems.push(`${it.id}: ${p.join(', ')}`);
		}
		tap.ok(items.length > 0 && fieldProblems.length === 0, 'every item has the fields of SPEC §6 (subject masked, created +08:00, due a date)', fieldProblems.slice(0, 10).join('\n'));
		tap.ok(!items.some((it) => it.subject_type === 'person' && items.length && isFullId(it.subject)) && !cliAlerts.some((a) => a.subject_type === 'person' && JSON.stringify(items).includes(a.subject)), 'no full identity number anywhere in the list', '');
		const pItem = items.find((i) => i.subject_type === 'person');
		const hItem = items.find((i) => i.subject_type === 'household');
		if (pItem) {
			const r = await request('GET', `${V1}/persons/${encodeURIComponent(pItem.subject_ref)}`, admin);
			tap.ok(r.status === 200 && r.json?.idno === byId.get(pItem.id).subject, 'a person\'s subject_ref opens GET /persons/{ref} (full number on the detail page)', diag(r));
			const rOut = await request('GET', `${V1}/persons/${encodeURIComponent(pItem.subject_ref)}`, await sessionOf(ctx, pItem.area.startsWith(ctx.C1) ? 'off_c2' : 'off_c1'));
			tap.ok(rOut.status === 404 && !rOut.text.includes(byId.get(pItem.id).subject), 'the same ref outside the scope → 404', diag(rOut));
			const forged = await request('GET', `${V1}/persons/${encodeURIComponent(pItem.subject_ref.slice(0, -2) + (pItem.subject_ref.endsWith('AA') ? 'BB' : 'AA'))}`, admin);
			tap.ok(forged.status === 404 || forged.status === 400, 'a forged ref → 404 (or 400)', diag(forged));
		} else tap.ok(false, 'a person alert in the list', '');
		if (hItem) {
			const r = await request('GET', `${V1}/households/${encodeURIComponent(hItem.subject_ref)}`, admin);
			tap.ok(r.status === 200 && r.json?.id === byId.get(hItem.id).subject, 'a household\'s subject_ref opens GET /households/{ref}', diag(r));
		} else tap.ok(false, 'a household alert in the list', 'none');
		const one = await request('GET', `${V1}/alerts/${items[0].id}`, admin);
		tap.ok(one.status === 200 && one.json?.id === items[0].id && one.json?.version === items[0].version, 'GET /alerts/{id} → the alert', diag(one));
		const none = await request('GET', `${V1}/alerts/99999999`, admin);
		tap.ok(none.status === 404, 'GET /alerts/{an id that does not exist} → 404', diag(none));
	});

	await group('transitions: versions, illegal moves, roles, the whole loop', async () => {
		const head = await sessionOf(ctx, 'head_s1');
		const wk = await sessionOf(ctx, 'wk_s1a');
		const off = await sessionOf(ctx, 'off_c1');
		const a = fresh(ctx.pools['new:S1'], 'new alerts at S1');
		const T = (auth, body) => request('POST', `${V1}/alerts/${a.id}/transition`, { ...auth, body });
		const r1 = await T(head, { to: 'assigned', version: 1, assignee: 'wk_s1a', note: '请本周内入户' });
		tap.ok(r1.status === 200 && r1.json?.state === 'assigned' && r1.json?.version === 2 && r1.json?.assignee === 'wk_s1a', 'station head: new → assigned (to wk_s1a) → 200, version 2', diag(r1));
		const stale = await T(wk, { to: 'verifying', version: 1, note: 'stale' });
		tap.ok(stale.status === 409, 'a stale version → 409', diag(stale));
		const illegal = await T(wk, { to: 'verified', version: 2, outcome: 'no_action', note: 'skip a step' });
		tap.ok(illegal.status === 409, 'an illegal transition (assigned → verified) → 409', diag(illegal));
		const illegal2 = await T(off, { to: 'closed', version: 2, decision: 'x', note: 'too early' });
		tap.ok(illegal2.status === 409 || illegal2.status === 403, 'closing an assigned alert → 409 (illegal)', diag(illegal2));
		const role = await T(off, { to: 'verifying', version: 2, note: 'not mine' });
		tap.ok(role.status === 403, 'the officer may not start a verification (wrong role) → 403', diag(role));
		const role2 = await T(await sessionOf(ctx, 'wk_s1b'), { to: 'verifying', version: 2, note: 'not mine' });
		tap.ok(role2.status === 404 || role2.status === 403, 'another worker of the station may not start it (404: not its alert)', diag(role2));
		const badTo = await T(wk, { to: 'nonsense', version: 2 });
		tap.ok(badTo.status === 400 || badTo.status === 409, 'an unknown state → 400 (or 409)', diag(badTo));
		const r2 = await T(wk, { to: 'verifying', version: 2, note: '入户' });
		tap.ok(r2.status === 200 && r2.json?.state === 'verifying' && r2.json?.version === 3, 'the assignee: assigned → verifying → 200', diag(r2));
		const noOutcome = await T(wk, { to: 'verified', version: 3, note: 'no outcome' });
		tap.ok(noOutcome.status === 400 || noOutcome.status === 409 || noOutcome.status === 422, 'verified without an outcome → refused (400)', diag(noOutcome));
		const r3 = await T(wk, { to: 'verified', version: 3, outcome: 'referred', department: '医保局', note: '已转介医疗救助' });
		tap.ok(r3.status === 200 && r3.json?.state === 'verified' && r3.json?.outcome === 'referred', 'the assignee: verifying → verified (referred) → 200', diag(r3));
		const wkClose = await T(wk, { to: 'closed', version: 4, decision: '纳入' });
		tap.ok(wkClose.status === 403, 'the worker may not close → 403', diag(wkClose));
		const r4 = await T(off, { to: 'closed', version: 4, decision: '已转介医保部门办理，待遇不变', note: '办结' });
		tap.ok(r4.status === 200 && r4.json?.state === 'closed' && r4.json?.version === 5 && r4.json?.decision, 'the officer: verified → closed with a decision → 200', diag(r4));
		const again = await T(wk, { to: 'verifying', version: 5 });
		tap.ok(again.status === 409 || again.status === 403, 'a closed alert moves no more (409)', diag(again));
		const show = await request('GET', `${V1}/alerts/${a.id}`, off);
		const tos = (show.json?.history || []).map((e) => e.to);
		tap.ok(show.status === 200 && tos.join() === 'new,assigned,verifying,verified,closed', 'its history: new, assigned, verifying, verified, closed', diag(show));
		tap.ok((show.json?.history || []).every((e) => RFC3339.test(e.at || '')), 'every transition has its time (+08:00) and actor', JSON.stringify(show.json?.history?.[1] || {}));
	});

	await group('scans', async () => {
		const r = await request('POST', `${V1}/scans`, { ...admin, body: { as_of: ctx.today, dry_run: true } });
		tap.ok(r.status === 202 && Number.isInteger(r.json?.job), 'POST /scans {"as_of","dry_run":true} → 202 {"job"}', diag(r));
		const j = await waitJob(r.json?.job, admin, 60000);
		tap.ok(j?.json?.state === 'done' && j.json.result && j.json.result.dry_run === true, 'the scan job reaches done with its result', diag(j));
		const future = await request('POST', `${V1}/scans`, { ...admin, body: { as_of: '2999-01-01', dry_run: true } });
		tap.ok(future.status === 400, 'as_of in the future → 400', diag(future));
		const junk = await request('POST', `${V1}/scans`, { ...admin, body: { as_of: 'yesterday' } });
		tap.ok(junk.status === 400, 'as_of not a date → 400', diag(junk));
		const nojob = await request('GET', `${V1}/jobs/99999999`, admin);
		tap.ok(nojob.status === 404, 'GET /jobs/{an id that does not exist} → 404', diag(nojob));
	});

	await group('search: name, pinyin, last digits, in scope only', async () => {
		const o1 = await sessionOf(ctx, 'off_c1');
		const o2 = await sessionOf(ctx, 'off_c2');
		const s1 = ctx.searchS1,
			c2 = ctx.searchC2;
		const has = (res, p) => (res.json?.items || []).some((it) => it.name === p.name && String(it.area || '').startsWith(p.area.slice(0, 9)));
		const S = (auth, q) => request('GET', `${V1}/search`, { ...auth, query: { q } });
		const n1 = await S(o1, ctx.searchName);
		tap.ok(n1.status === 200 && has(n1, s1), 'officer of C1 finds 司徒雪松 of S1 by name', diag(n1));
		tap.ok(!has(n1, c2), '… but not the 司徒雪松 of the other city', diag(n1));
		const n2 = await S(o2, ctx.searchName);
		tap.ok(n2.status === 200 && has(n2, c2) && !has(n2, s1), 'officer of C2 finds only its own 司徒雪松', diag(n2));
		const py = await S(o1, ctx.searchPinyin);
		tap.ok(py.status === 200 && has(py, s1) && !has(py, c2), 'by full pinyin (situxuesong), in scope only', diag(py));
		const ini = await S(o1, 'stxs');
		tap.ok(ini.status === 200 && has(ini, s1), 'by pinyin initials (stxs)', diag(ini));
		const last4 = s1.idno.slice(-4);
		const d1 = await S(o1, last4);
		tap.ok(d1.status === 200 && has(d1, s1), `by the last 4 characters of the identity number (${last4})`, diag(d1));
		const d2 = await S(o2, last4);
		tap.ok(d2.status === 200 && !has(d2, s1), '… and not from the other city', diag(d2));
		const full = await S(o1, s1.idno);
		tap.ok(full.status === 200 && has(full, s1), 'by the full identity number', diag(full));
		const leaks = [n1, n2, py, ini, d1, d2, full].filter((r) => [...ctx.persons.keys()].some((id) => r.text.includes(id)));
		tap.ok(leaks.length === 0, 'search results show identity numbers masked', leaks.map((r) => r.text.slice(0, 200)).join('\n'));
		const empty = await S(o1, '');
		tap.ok(empty.status === 400, 'an empty query → 400', diag(empty));
		const wk = await sessionOf(ctx, 'wk_s1a');
		// (a household with a service file at its station is visible to every
		// worker there: this one has none)
		const other = ctx.pools['verifying:S1w2'][0].person;
		const w1 = await S(wk, other.name);
		tap.ok(w1.status === 200 && !has(w1, other), 'a worker does not find a person of another worker\'s alert', diag(w1));
	});

	await group('attachments (verification photos)', async () => {
		const wk = await sessionOf(ctx, 'wk_s1a');
		const a = ctx.pools['verifying:S1w1'][0].id;
		const photo = Buffer.concat([ctx.photo, Buffer.from(' functional')]);
		const up = await request('POST', `${V1}/alerts/${a}/attachments`, { ...wk, query: { name: 'visit.jpg' }, body: photo, headers: { 'content-type': 'image/jpeg' } });
		tap.ok(up.status === 201 && up.json?.sha256 === sha256(photo), 'the assignee attaches a photo → 201 with its SHA-256', diag(up));
		const txt = await request('POST', `${V1}/alerts/${a}/attachments`, { ...wk, query: { name: 'notes.txt' }, body: 'not a photo', headers: { 'content-type': 'text/plain' } });
		tap.ok(txt.status === 400 || txt.status === 415, 'a file that is not a photo or a PDF → refused (400)', diag(txt));
		const get = await request('GET', `${V1}/alerts/${a}/attachments/${sha256(photo)}`, wk);
		tap.ok(get.status === 200 && Buffer.compare(get.buf, photo) === 0, 'GET /alerts/{id}/attachments/{sha256} → the same bytes', diag(get));
		tap.ok(get.headers['content-type'] === 'image/jpeg', 'served as image/jpeg', `Content-Type: ${JSON.stringify(get.headers['content-type'])}`);
		const other = await request('GET', `${V1}/alerts/${a}/attachments/${sha256(photo)}`, await sessionOf(ctx, 'wk_s1b'));
		tap.ok(other.status === 404, 'another worker of the station → 404', diag(other));
		const none = await request('GET', `${V1}/alerts/${a}/attachments/${'0'.repeat(64)}`, wk);
		tap.ok(none.status === 404, 'an attachment that does not exist → 404', diag(none));
	});

	await group('limits and errors', async () => {
		const a = ctx.pools['verified:C2'][0].id;
		const big = await request('POST', `${V1}/alerts/${a}/transition`, { ...admin, body: JSON.stringify({ to: 'closed', version: 1, note: 'x'.repeat((1 << 20) + 100) }), headers: { 'content-type': 'application/json' }, tolerateReset: true });
		tap.ok(big.status === 413, 'a JSON body over 1 MiB → 413', big.reset ? 'the connection was reset before an answer' : diag(big));
		const deep = '{"to":"closed","version":1,"x":' + '['.repeat(20) + ']'.repeat(20) + '}';
		const dr = await request('POST', `${V1}/alerts/${a}/transition`, { ...admin, body: deep, headers: { 'content-type': 'application/json' } });
		tap.ok(dr.status === 413, 'JSON nested deeper than 16 → 413', diag(dr));
		const ok16 = '{"to":"nonsense","version":1,"x":' + '['.repeat(15) + ']'.repeat(15) + '}';
		const r16 = await request('POST', `${V1}/alerts/${a}/transition`, { ...admin, body: ok16, headers: { 'content-type': 'application/json' } });
		tap.ok(r16.status !== 413, 'JSON nested 16 deep is not refused for its depth', diag(r16));
		const inv = await request('POST', `${V1}/alerts/${a}/transition`, { ...admin, body: '{"to": "closed", ', headers: { 'content-type': 'application/json' } });
		tap.ok(inv.status === 400 && typeof inv.json?.error?.message === 'string' && inv.json.error.message.length > 0, 'invalid JSON → 400 with a message', diag(inv));
		const state = cli(['alert', 'show', String(a), '--json'], { json: true }).state;
		tap.ok(state === 'verified', 'none of these changed the alert', state);
		const headers = {};
		for (let i = 0; i < 70; i++) headers[`x-extra-${i}`] = String(i);
		const hh = await request('GET', '/healthz', { headers, tolerateReset: true });
		tap.ok(hh.status === 413, 'more than 64 header fields → 413', diag(hh));
		const unk = await request('GET', `${V1}/no/such/route`, admin);
		tap.ok(unk.status === 404 && /json/.test(unk.headers['content-type'] || '') && unk.json?.error, 'an unknown route → 404 with a JSON error', diag(unk));
		const meth = await request('DELETE', `${V1}/alerts`, admin);
		tap.ok(meth.status === 405 && unk.json?.error, 'a wrong method → 405', diag(meth));
		const meth2 = await request('PUT', `${V1}/login`, {});
		tap.ok(meth2.status === 405, 'PUT /login → 405', diag(meth2));
		const longq = await request('GET', `${V1}/search`, { ...admin, query: { q: '张'.repeat(200) } });
		tap.ok(longq.status === 413 || longq.status === 400, 'an overlong search query → 413 (or 400)', diag(longq));
	});

	await group('health and metrics', async () => {
		const h = await request('GET', '/healthz');
		tap.ok(h.status === 200 && h.json?.status === 'ok', 'GET /healthz → 200 {"status":"ok"}', diag(h));
		const m = await request('GET', '/metrics');
		tap.ok(m.status === 200 && /^minsheng_http_requests_total\{[^}]*\} \d+$/m.test(m.text), 'GET /metrics has minsheng_http_requests_total lines', m.text.slice(0, 300));
		tap.ok(/^# TYPE minsheng_http_requests_total counter$/m.test(m.text), 'minsheng_http_requests_total is a counter', '');
		const doc = await request('GET', `${V1}/openapi.json`);
		tap.ok(doc.status === 200 && /^3\.1/.test(doc.json?.openapi || ''), 'GET /api/v1/openapi.json → an OpenAPI 3.1 document', diag(doc));
		if (doc.json?.paths) {
			const routes = cli(['serve', '--routes']).split('\n').filter(Boolean);
			const missing = routes.filter((l) => {
				const [m, p] = l.split(' ');
				const key = p.startsWith('/api/v1') ? p.slice('/api/v1'.length) : p;
				const entry = doc.json.paths[p] || doc.json.paths[key];
				return !entry || !entry[m.toLowerCase()];
			});
			tap.ok(missing.length === 0, 'the OpenAPI document describes every route', missing.join('\n'));
		}
	});

	await group('the access log', async () => {
		const p = ctx.pools['assigned:C2'][0].person;
		const r = await request('GET', `${V1}/persons/${p.idno}`, admin);
		tap.ok(r.status === 200 && r.json?.idno === p.idno, 'admin reads a person (full number on the detail page) → 200', diag(r));
		const aud = await sessionOf(ctx, 'aud');
		const log = await request('GET', `${V1}/audit`, { ...aud, query: { user: 'admin1', limit: 500 } });
		const masked = `${p.idno.slice(0, 6)}`;
		const hit = (log.json?.items || []).find((e) => e.user === 'admin1' && e.object === 'person' && String(e.ref || '').startsWith(masked) && String(e.ref || '').endsWith(p.idno.slice(-4)));
		tap.ok(log.status === 200 && hit, 'GET /audit as the auditor shows that read', diag(log));
		tap.ok(hit && hit.status === 200 && /persons/.test(hit.route || ''), '… with its route and status', JSON.stringify(hit || {}));
		const vr = await request('GET', `${V1}/audit/verify`, aud);
		tap.ok(vr.status === 200 && vr.json?.ok === true, 'GET /audit/verify as the auditor → ok', diag(vr));
		const v = cli(['audit', 'verify', '--db', ctx.db], { allowFail: true });
		tap.ok(typeof v === 'string', '`minsheng audit verify --db DB` exits 0', v.failed ? `exit ${v.status}: ${v.stderr}` : '');
		for (const name of ['admin1', 'off_c1', 'head_s1']) {
			const s = await sessionOf(ctx, name);
			const x = await request('GET', `${V1}/audit`, s);
			tap.ok(x.status === 403, `GET /audit as ${name} → 403`, diag(x));
		}
		const tok = await request('GET', `${V1}/audit`, { token: ctx.token });
		tap.ok(tok.status === 403, 'GET /audit with the department token → 403', diag(tok));
	});

	// last: it locks this address out of logins
	await group('login throttling by address', async () => {
		let got429 = 0,
			tries = 0;
		for (; tries < 60 && !got429; tries++) {
			const r = await login(`throttle_${tries}`, 'wrong-password');
			if (r.status === 429) got429 = tries + 1;
			else if (r.status !== 401) {
				tap.ok(false, 'failed logins answer 401 until throttled', diag(r.res));
				break;
			}
		}
		tap.ok(got429 > 0, `repeated failed logins from one address → 429 (after ${got429} attempts)`, `no 429 in ${tries} attempts`);
		const r = await login('admin1', ctx.pw.admin1);
		tap.ok(r.status === 429, 'then even a right password from that address → 429', diag(r.res));
		const h = await request('GET', `${V1}/session`, admin);
		tap.ok(h.status === 200, 'open sessions keep working', diag(h));
	});
}
