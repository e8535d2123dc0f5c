// fixtures.mjs — builds the small province the API tests run against, with
// the operator's command line only (the server is not running yet):
//   gen (seeded) → init → import manifest → station import, then a few dozen
//   synthetic households at three chosen stations (S1 and S2 in city C1, S3
//   in city C2) with a disaster report each, so that one scan raises one
//   emergency alert (R13) per household there; users of every role; alerts
//   brought to every state of the loop; service files and referrals; review
//   items, throwaway batches, users and tokens for the state-changing routes.
// Everything the tests need is returned in one object (ctx).
import fs from 'node:fs';
import path from 'node:path';
import { cli, makeId, sha256 } from './lib.mjs';
import { buildEvalFixtures } from './eval.mjs';

const PW = {
	admin1: 'admin1-password',
	off_c1: 'officer1-password',
	off_c2: 'officer2-password',
	head_s1: 'head1-password',
	head_s2: 'head2-password',
	wk_s1a: 'worker1-password',
	wk_s1b: 'worker2-password',
	upl: 'uploader-password',
	eva: 'evaluator-password',
	aud: 'auditor-password',
};
const HELPER_PW = 'helper-password';

function csv(rows) {
	return rows.map((r) => r.join(',')).join('\n') + '\n';
}

function readCsv(file) {
	const lines = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter(Boolean);
	const head = lines[0].split(',');
	return lines.slice(1).map((l) => {
		const c = l.split(',');
		const o = {};
		head.forEach((h, i) => (o[h] = c[i] ?? ''));
		return o;
	});
}

function addDays(iso, n) {
	const d = new Date(`${iso}T00:00:00Z`);
	d.setUTCDate(d.getUTCDate() + n);
	return d.toISOString().slice(0, 10);
}

export function buildProvince(tmp) {
	const t0 = Date.now();
	const today = process.env.MINSHENG_TODAY;
	const w = (name, text) => {
		const p = path.join(tmp, name);
		fs.writeFileSync(p, text);
		return p;
	};
	const ctx = { tmp, today, db: process.env.MINSHENG_DB, pack: process.env.MINSHENG_PACK, pw: { ...PW } };

	cli(['gen', '--out', path.join(tmp, 'prov'), '--people', '3000', '--seed', '2026']);
	cli(['init']);
	cli(['import', 'manifest', path.join(tmp, 'prov', 'manifest.json')]);
	cli(['station', 'import', path.join(tmp, 'prov', 'stations.csv')]);

	// ---- three stations: S1 and S2 in one city, S3 in another ----
	const stations = readCsv(path.join(tmp, 'prov', 'stations.csv'))
		.filter((s) => s['类型'] === '站')
		.map((s) => s['编码']);
	const villages = new Map(); // station → a village area code with households
	for (const h of readCsv(path.join(tmp, 'prov', 'households.csv'))) {
		const a = h['区划代码'];
		if (!/^\d{12}$/.test(a)) continue;
		const t = a.slice(0, 9);
		if (!villages.has(t)) villages.set(t, a);
	}
	const usable = stations
		.filter((s) => villages.has(s) && !['4419', '4420'].includes(s.slice(0, 4)))
		.sort();
	const byCity = new Map();
	for (const s of usable) {
		const c = s.slice(0, 4);
		if (!byCity.has(c)) byCity.set(c, []);
		byCity.get(c).push(s);
	}
	const cities = [...byCity.entries()].filter(([, l]) => l.length >= 2).sort((a, b) => b[1].length - a[1].length);
	if (cities.length < 2) throw new Error('the generated province has too few stations');
	const C1 = cities[0][0];
	const S1 = cities[0][1][0];
	// S2: another county if there is one, else another township of the county
	const S2 = cities[0][1].find((s) => s.slice(0, 6) !== S1.slice(0, 6)) || cities[0][1][1];
	const C2 = cities[1][0];
	const S3 = cities[1][1][0];
	Object.assign(ctx, { C1, C2, S1, S2, S3 });
	const V = { S1: villages.get(S1), S2: villages.get(S2), C2: villages.get(S3) };
	ctx.villages = V;
	ctx.stationOf = { S1, S2, C2: S3 };

	// ---- synthetic households, two persons each ----
	const known = new Set(readCsv(path.join(tmp, 'prov', 'persons.csv')).map((p) => p['身份证号']));
	const surnames = ['赵', '钱', '孙', '李', '周', '吴', '郑', '冯', '陈', '褚', '卫', '蒋', '沈', '韩', '杨', '朱'];
	const given = ['志', '国', '建', '秀', '丽', '明', '华', '春', '伟', '芳', '军', '敏', '静', '勇', '艳', '杰', '涛', '娟', '强', '霞'];
	const usedNames = new Set(readCsv(path.join(tmp, 'prov', 'persons.csv')).map((p) => p['姓名']));
	let nameSeq = 0;
	const newName = () => {
		for (;;) {
			const k = nameSeq++;
			const n = surnames[k % 16] + given[Math.floor(k / 16) % 20] + given[(Math.floor(k / 320) + k * 7) % 20];
			if (!usedNames.has(n)) {
				usedNames.add(n);
				return n;
			}
		}
	};
	let idSeq = 100;
	const newId = (county, year) => {
		for (;;) {
			const s = idSeq++;
			const b = `${year}${String(1 + (s % 12)).padStart(2, '0')}${String(1 + (s % 28)).padStart(2, '0')}`;
			const id = makeId(`${county}${b}${String(s % 1000).padStart(3, '0')}`);
			if (!known.has(id)) {
				known.add(id);
				return id;
			}
		}
	};
	let hhSeq = 0,
		phoneSeq = 0;
	const persons = new Map(); // idno → person
	const households = new Map(); // hh → {id, area, loc, members}
	const hhRows = [['户编号', '区划代码', '详细地址']];
	const pRows = [['身份证号', '姓名', '户编号', '与户主关系', '居住地区划', '父亲身份证号', '母亲身份证号', '联系电话']];
	const mkHousehold = (loc, headName) => {
		const area = V[loc];
		const hh = `${area}9${String(++hhSeq).padStart(5, '0')}`;
		const county = area.slice(0, 6);
		const members = [];
		for (const [rel, nm] of [
			['户主', headName || newName()],
			['配偶', newName()],
		]) {
			const idno = newId(county, 1950 + ((hhSeq * 3 + members.length) % 40));
			const phone = `139${String(40000000 + ++phoneSeq * 7919).slice(-8)}`;
			const p = { idno, name: nm, hh, rel, area, phone, loc };
			persons.set(idno, p);
			members.push(p);
			pRows.push([idno, nm, hh, rel, area, '', '', phone]);
		}
		hhRows.push([hh, area, `测试村${hhSeq}号`]);
		const h = { id: hh, area, loc, members, head: members[0] };
		households.set(hh, h);
		return h;
	};
	// alert households per station, and households with a service file and no alert
	const counts = { S1: 35, S2: 12, C2: 14 };
	const alertHouseholds = { S1: [], S2: [], C2: [] };
	for (const loc of Object.keys(counts)) {
		for (let i = 0; i < counts[loc]; i++) {
			// the first household of S1 and of C2 carry the same name (search in scope)
			const special = i === 0 && (loc === 'S1' || loc === 'C2') ? '司徒雪松' : undefined;
			alertHouseholds[loc].push(mkHousehold(loc, special));
		}
	}
	const fileHH = { S1: mkHousehold('S1'), S2: mkHousehold('S2'), C2: mkHousehold('C2') };
	ctx.persons = persons;
	ctx.households = households;
	ctx.fileHH = fileHH;
	ctx.searchName = '司徒雪松';
	ctx.searchPinyin = 'situxuesong';
	ctx.searchS1 = alertHouseholds.S1[0].head;
	ctx.searchC2 = alertHouseholds.C2[0].head;

	cli(['import', 'households', w('syn_households.csv', csv(hhRows))]);
	cli(['import', 'persons', w('syn_persons.csv', csv(pRows))]);
	// one disaster report per alert household: one R13 alert for its head
	const disaster = addDays(today, -2);
	const yj = [['身份证号', '姓名', '灾害类型', '受灾日期', '房屋损毁程度']];
	for (const loc of Object.keys(alertHouseholds))
		for (const h of alertHouseholds[loc]) yj.push([h.head.idno, h.head.name, '台风', disaster, '倒塌']);
	cli(['import', 'yingji', w('syn_yingji.csv', csv(yj))]);
	// vehicles and settlements of spouses (not low-income: no rule fires); the
	// tests upload single rows of these files again (unchanged rows)
	const spouses = [...households.values()].map((h) => h.members[1]);
	const jgHead = ['身份证号', '姓名', '号牌号码', '车辆类型', '登记日期'];
	const jg = spouses.slice(0, 40).map((p, i) => [p.idno, p.name, `粤Z${String(10000 + i)}`, '小型轿车', '2020-01-15']);
	const ybHead = ['身份证号', '姓名', '结算单号', '结算日期', '医疗总费用', '统筹支付', '个人自付', '医疗机构'];
	const yb = spouses.slice(0, 40).map((p, i) => [p.idno, p.name, `JS${String(900000 + i)}`, addDays(today, -30), '120.00', '100.00', '20.00', '测试医院']);
	ctx.jgHead = jgHead.join(',');
	ctx.jgRows = jg.map((r) => r.join(','));
	ctx.ybHead = ybHead.join(',');
	ctx.ybRows = yb.map((r) => r.join(','));
	ctx.spouses = spouses;

	// ---- users ----
	cli(['user', 'add', 'admin1', '--role', 'admin', '--scope', '44'], { input: PW.admin1 + '\n' });
	cli(['import', 'jiaoguan', w('syn_jiaoguan.csv', csv([jgHead, ...jg]))]);
	cli(['import', 'yibao', w('syn_yibao.csv', csv([ybHead, ...yb]))]);
	const addUser = (name, role, scope, station, pw = HELPER_PW) => {
		const a = ['user', 'add', name, '--role', role, '--scope', scope, '--as', 'admin1'];
		if (station) a.push('--station', station);
		cli(a, { input: pw + '\n' });
	};
	addUser('off_c1', 'officer', C1, null, PW.off_c1);
	addUser('off_c2', 'officer', C2, null, PW.off_c2);
	addUser('head_s1', 'station_head', S1, S1, PW.head_s1);
	addUser('head_s2', 'station_head', S2, S2, PW.head_s2);
	addUser('wk_s1a', 'worker', S1, S1, PW.wk_s1a);
	addUser('wk_s1b', 'worker', S1, S1, PW.wk_s1b);
	addUser('upl', 'uploader', '44', null, PW.upl);
	addUser('eva', 'evaluator', '44', null, PW.eva);
	addUser('aud', 'auditor', '44', null, PW.aud);
	// helpers: workers of S2 and S3 (assignees there), plain target users
	addUser('wk_s2', 'worker', S2, S2);
	addUser('wk_c2', 'worker', S3, S3);
	addUser('head_c2', 'station_head', S3, S3);
	const stationOfLoc = { S1, S2, C2: S3 };
	ctx.targetUser = { S1: 't_s1', S2: 't_s2', C2: 't_c2' };
	for (const [loc, n] of Object.entries(ctx.targetUser)) addUser(n, 'worker', stationOfLoc[loc], stationOfLoc[loc]);
	// throwaway users for the account routes: one shared per place (with a
	// second factor), and fresh ones for the cases that may succeed
	ctx.throwaway = { S1: [], S2: [], C2: [] };
	let tw = 0;
	for (const loc of ['S1', 'S2', 'C2']) {
		for (let i = 0; i < 8; i++) {
			const n = `x_${loc.toLowerCase()}_${++tw}`;
			addUser(n, 'worker', stationOfLoc[loc], stationOfLoc[loc]);
			cli(['user', 'totp', n, '--as', 'admin1']);
			ctx.throwaway[loc].push(n);
		}
	}
	// users of the functional tests
	addUser('fx_lock', 'worker', S1, S1, 'lock-password');
	addUser('fx_reset', 'worker', S1, S1, 'reset-password');
	addUser('fx_totp', 'officer', C1, null, 'totp-password');
	addUser('fx_out', 'worker', S1, S1, 'logout-password');
	ctx.helperPw = HELPER_PW;
	// the department token (one feed) and throwaway tokens
	ctx.uploaderFeed = 'jiaoguan';
	ctx.token = cli(['user', 'token', 'add', 'upl', '--feeds', 'jiaoguan', '--label', 'api tests', '--as', 'admin1', '--json'], { json: true }).token;
	ctx.throwawayTokens = [];
	for (let i = 0; i < 4; i++)
		ctx.throwawayTokens.push(cli(['user', 'token', 'add', 'upl', '--feeds', 'yibao', '--label', `throwaway ${i}`, '--as', 'admin1', '--json'], { json: true }).id);

	// throwaway webhook targets (operations: DELETE /webhooks/{id})
	ctx.throwawayWebhooks = [];
	for (let i = 0; i < 3; i++)
		ctx.throwawayWebhooks.push(cli(['webhook', 'add', `http://127.0.0.1:9/throwaway-${i}`, '--secret', `throwaway-secret-${i}-0123456789`, '--events', 'overdue', '--json'], { json: true }).id);

	// ---- the scan, and alerts of the synthetic households ----
	cli(['scan', '--json']);
	const alerts = cli(['alerts', '--json', '--limit', '100000'], { json: true });
	const bySubject = new Map();
	for (const a of alerts) if (a.rule === 'R13') bySubject.set(a.subject, a);
	for (const loc of Object.keys(alertHouseholds))
		for (const h of alertHouseholds[loc]) {
			const a = bySubject.get(h.head.idno);
			if (!a) throw new Error(`no R13 alert for synthetic person ${h.head.idno} (${loc})`);
			h.alert = a.id;
		}

	// ---- alerts in every state, by place ----
	// S1 households are split: new (unassigned), wk_s1a's (S1w1), wk_s1b's (S1w2)
	const plan = {
		S1: [
			['new', 'S1', 10],
			['assigned', 'S1w1', 4],
			['verifying', 'S1w1', 6],
			['verified', 'S1w1', 6],
			['assigned', 'S1w2', 3],
			['verifying', 'S1w2', 4],
			['verified', 'S1w2', 2],
		],
		S2: [
			['new', 'S2', 3],
			['assigned', 'S2', 3],
			['verifying', 'S2', 4],
			['verified', 'S2', 2],
		],
		C2: [
			['new', 'C2', 4],
			['assigned', 'C2', 2],
			['verifying', 'C2', 2],
			['verified', 'C2', 6],
		],
	};
	const assignee = { S1: null, S1w1: 'wk_s1a', S1w2: 'wk_s1b', S2: 'wk_s2', C2: 'wk_c2' };
	const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(' a synthetic visit photo for the API tests')]);
	const photoPath = w('photo.jpg', photo);
	ctx.photo = photo;
	ctx.pools = {}; // "state:loc" → [{id, person, household}]
	for (const loc of Object.keys(plan)) {
		const hs = alertHouseholds[loc].slice();
		for (const [state, where, n] of plan[loc]) {
			const key = `${state}:${where}`;
			ctx.pools[key] = [];
			for (let i = 0; i < n; i++) {
				const h = hs.shift();
				if (!h) throw new Error(`not enough synthetic households at ${loc}`);
				const id = h.alert;
				const who = assignee[where];
				let v = 1;
				if (state !== 'new') cli(['alert', 'assign', String(id), '--to', who, '--as', 'admin1', '--version', String(v++)]);
				if (state === 'verifying' || state === 'verified') cli(['alert', 'start', String(id), '--as', who, '--version', String(v++)]);
				if (state === 'verified') {
					const a = ['alert', 'verify', String(id), '--as', who, '--version', String(v++), '--outcome', 'no_action', '--note', '入户核实'];
					if (i === 0) a.push('--attach', photoPath); // the shared one carries a photo
					cli(a);
				}
				ctx.pools[key].push({ id, person: h.head, household: h, state, where });
			}
		}
	}
	ctx.photoSha = sha256(photo);

	// ---- service files (no alert) and referrals ----
	const heads = { S1: 'head_s1', S2: 'head_s2', C2: 'head_c2' };
	ctx.referrals = { S1: [], S2: [], C2: [] };
	for (const loc of ['S1', 'S2', 'C2']) {
		const hh = fileHH[loc].id;
		cli(['visit', 'add', '--household', hh, '--kind', '入户', '--date', addDays(today, -3), '--as', heads[loc], '--note', '建档']);
		for (let i = 0; i < (loc === 'S1' ? 7 : 4); i++) {
			const r = cli(['visit', 'referral', 'add', '--household', hh, '--department', '医保局', '--date', addDays(today, -2), '--as', heads[loc], '--json'], { json: true });
			ctx.referrals[loc].push(r.id);
		}
	}

	// ---- review items (identity numbers that fail and match nobody) ----
	const bad = (idno) => idno.slice(0, 17) + (idno[17] === '0' ? '1' : '0');
	const rv = [['身份证号', '姓名', '号牌号码', '车辆类型', '登记日期', '居住地区划']];
	const revLoc = [];
	let plate = 20000;
	for (const [loc, n] of [
		['S1', 4],
		['C2', 3],
	]) {
		for (let i = 0; i < n; i++) {
			const p = alertHouseholds[loc][alertHouseholds[loc].length - 1 - i].members[1];
			rv.push([bad(p.idno), `查无此人${loc}${i}`, `粤Y${plate++}`, '小型轿车', '2021-03-01', V[loc]]);
			revLoc.push(loc);
		}
	}
	const revBatch = cli(['import', 'jiaoguan', w('syn_review.csv', csv(rv)), '--json'], { json: true });
	ctx.reviewBatch = revBatch.batch;
	const items = cli(['import', 'review', 'list', '--all', '--json'], { json: true });
	const list = Array.isArray(items) ? items : items.items;
	ctx.review = { S1: [], C2: [] };
	// (the command line does not show the item's area: the name tells the place)
	for (const it of list) {
		const m = /^查无此人(S1|C2)\d$/.exec(it.name || '');
		if (m && it.batch === revBatch.batch) ctx.review[m[1]].push(it.id);
	}

	// ---- throwaway batches (for revocation): a new vehicle each ----
	ctx.revokeBatches = [];
	for (let i = 0; i < 9; i++) {
		const p = spouses[40 + i];
		const f = w(`syn_revoke_${i}.csv`, csv([jgHead, [p.idno, p.name, `粤X${30000 + i}`, '小型轿车', '2022-05-01']]));
		ctx.revokeBatches.push(cli(['import', 'jiaoguan', f, '--json'], { json: true }).batch);
	}
	// ---- station evaluation rounds (eval.mjs) ----
	buildEvalFixtures(ctx);
	ctx.setupSeconds = (Date.now() - t0) / 1000;
	return ctx;
}
