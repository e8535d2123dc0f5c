// setup.mjs — the small province the browser tests run against, built with
// the operator's command line only (before the server starts), as
// scripts/demo does: gen (seeded) → init → import manifest → station import →
// scan, one user per role (password hashing at libsodium's MIN limits through
// MINSHENG_PWHASH=min). To give the station's inbox enough to show, a few
// synthetic households of one of its villages get a disaster report each
// (yingji, house collapsed): one emergency alert (R13) per household. A few of
// those are taken through the loop with the command line, so that the
// dashboard has outcomes to draw; the others stay new for the browser.
import fs from 'node:fs';
import path from 'node:path';
import { cli as cliIn, makeId, readCsv, csv, addDays } from './lib.mjs';

export const PASSWORD = 'web-test-password-2026';
export const OTP_USER = 'officer2';

export function buildProvince(dir) {
	const t0 = Date.now();
	const today = process.env.MINSHENG_TODAY;
	const prov = path.join(dir, 'prov');
	fs.mkdirSync(dir, { recursive: true });
	// files are written to dir and named relative to it (a batch keeps the
	// name it was imported under, and the import page lists it)
	const w = (name, text) => {
		fs.writeFileSync(path.join(dir, name), text);
		return name;
	};
	const cli = (args, opts) => cliIn(args, { cwd: dir, ...opts });
	const people = process.env.WEB_PEOPLE || '4000';
	cli(['gen', '--out', 'prov', '--people', people, '--seed', '2026']);
	cli(['init']);
	cli(['import', 'manifest', 'prov/manifest.json']);
	cli(['station', 'import', 'prov/stations.csv']);

	// the station: the township (with a station) that has the most households
	const stations = new Set(readCsv(path.join(prov, 'stations.csv')).filter((s) => s['类型'] === '站').map((s) => s['编码']));
	const households = readCsv(path.join(prov, 'households.csv'));
	const byTown = new Map();
	for (const h of households) {
		const a = h['区划代码'];
		if (!/^\d{12}$/.test(a) || !stations.has(a.slice(0, 9))) continue;
		const t = a.slice(0, 9);
		if (['4419', '4420'].includes(t.slice(0, 4))) continue; // cities without counties
		const e = byTown.get(t) || { n: 0, village: a };
		e.n++;
		byTown.set(t, e);
	}
	const [station, { village }] = [...byTown.entries()].sort((a, b) => b[1].n - a[1].n || a[0].localeCompare(b[0]))[0];
	const city = station.slice(0, 4);
	const county = station.slice(0, 6);

	// ---- synthetic households at the station, two persons each ----
	const persons = readCsv(path.join(prov, 'persons.csv'));
	const known = new Set(persons.map((p) => p['身份证号']));
	const usedNames = new Set(persons.map((p) => p['姓名']));
	const surnames = ['欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '长孙', '宇文', '司徒'];
	const given = ['秀兰', '建国', '海燕', '志强', '桂英', '国华', '玉梅', '德明', '春花', '永福', '丽娟', '文斌'];
	let nameSeq = 0;
	const newName = () => {
		for (;;) {
			const k = nameSeq++;
			const n = surnames[k % surnames.length] + given[(k * 5 + Math.floor(k / surnames.length)) % given.length];
			if (!usedNames.has(n)) {
				usedNames.add(n);
				return n;
			}
		}
	};
	let idSeq = 300;
	const newId = (year) => {
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
	const N = 12;
	const hhRows = [['户编号', '区划代码', '详细地址']];
	const pRows = [['身份证号', '姓名', '户编号', '与户主关系', '居住地区划', '父亲身份证号', '母亲身份证号', '联系电话']];
	const planted = [];
	for (let i = 0; i < N; i++) {
		const hh = `${village}8${String(i + 1).padStart(5, '0')}`;
		const members = [];
		for (const rel of ['户主', '配偶']) {
			const p = { idno: newId(1948 + ((i * 3 + members.length * 7) % 40)), name: newName(), hh, rel, phone: `137${String(20000000 + (i * 2 + members.length) * 4099).slice(-8)}` };
			members.push(p);
			pRows.push([p.idno, p.name, hh, rel, village, '', '', p.phone]);
		}
		hhRows.push([hh, village, `${i + 1}巷${(i * 7) % 30 + 1}号`]);
		planted.push({ hh, head: members[0], spouse: members[1] });
	}
	cli(['import', 'households', w('syn_households.csv', csv(hhRows))]);
	cli(['import', 'persons', w('syn_persons.csv', csv(pRows))]);
	const yj = [['身份证号', '姓名', '灾害类型', '受灾日期', '房屋损毁程度']];
	planted.forEach((h, i) => yj.push([h.head.idno, h.head.name, i % 3 ? '台风' : '洪涝', addDays(today, -2 - (i % 4)), '倒塌']));
	cli(['import', 'yingji', w('syn_yingji.csv', csv(yj))]);

	// ---- users: one per role, as scripts/demo makes them ----
	const add = (name, role, scope, st, as = 'admin') => {
		const a = ['user', 'add', name, '--role', role, '--scope', scope];
		if (st) a.push('--station', st);
		if (as && name !== 'admin') a.push('--as', as);
		cli(a, { input: PASSWORD + '\n' });
	};
	add('admin', 'admin', '44');
	add('officer', 'officer', city);
	add('head', 'station_head', station, station);
	add('worker', 'worker', station, station);
	add('worker2', 'worker', station, station);
	add('uploader', 'uploader', '44');
	add('evaluator', 'evaluator', '44');
	add('auditor', 'auditor', '44');
	add(OTP_USER, 'officer', city); // with a second factor (the login test)
	const totp = cli(['user', 'totp', OTP_USER, '--as', 'admin', '--json'], { json: true });

	// ---- the scan, and the planted alerts ----
	cli(['scan', '--json']);
	const alerts = cli(['alerts', '--json', '--limit', '100000'], { json: true });
	const bySubject = new Map(alerts.filter((a) => a.rule === 'R13').map((a) => [a.subject, a]));
	for (const h of planted) {
		const a = bySubject.get(h.head.idno);
		if (!a) throw new Error(`no R13 alert for the synthetic person ${h.head.idno}`);
		if (a.inbox !== station) throw new Error(`alert ${a.id} went to inbox ${a.inbox}, not ${station}`);
		h.alert = a.id;
	}
	// three of them through the loop (outcomes for the dashboard), one of
	// them closed; one household gets a service file (a visit)
	const loop = [
		[planted[N - 1], ['--outcome', 'no_action', '--note', '入户核实，房屋已由亲属修缮，暂不需要救助'], '经核实无需救助，结案'],
		[planted[N - 2], ['--outcome', 'enrolled', '--benefit', '临时救助', '--note', '房屋倒塌，暂住亲戚家，符合临时救助条件'], null],
		[planted[N - 3], ['--outcome', 'referred', '--department', '住房和城乡建设局', '--note', '需危房改造，已转介住建部门'], null],
	];
	for (const [h, verify, decision] of loop) {
		const id = String(h.alert);
		cli(['alert', 'assign', id, '--to', 'worker2', '--as', 'head', '--version', '1']);
		cli(['alert', 'start', id, '--as', 'worker2', '--version', '2']);
		cli(['alert', 'verify', id, '--as', 'worker2', '--version', '3', ...verify]);
		if (decision) cli(['alert', 'close', id, '--as', 'officer', '--version', '4', '--decision', decision]);
		h.state = decision ? 'closed' : 'verified';
	}
	cli(['visit', 'add', '--household', planted[N - 1].hh, '--kind', '入户', '--date', addDays(today, -1), '--as', 'worker2', '--note', '核实灾情，建档']);

	// the alert of the browser's loop: a planted household whose head's last
	// six identity digits are nobody else's (the search test finds it by them)
	const last6 = new Map();
	for (const id of known) last6.set(id.slice(-6), (last6.get(id.slice(-6)) || 0) + 1);
	const loopHH = planted.slice(0, N - 3).find((h) => last6.get(h.head.idno.slice(-6)) === 1);
	if (!loopHH) throw new Error('no planted household with unique last digits');
	cli(['person', 'show', loopHH.head.idno, '--as', 'officer', '--json'], { json: true });

	return {
		dir,
		today,
		station,
		county,
		city,
		village,
		planted,
		password: PASSWORD,
		otpUser: OTP_USER,
		otpSecret: totp.secret,
		loop: loopHH,
		// registry persons of the officer's city with a valid number (the
		// import test's department file is about them)
		cityPersons: persons
			.filter((p) => (p['居住地区划'] || '').startsWith(city) && makeId(p['身份证号'].slice(0, 17)) === p['身份证号'] && p['姓名'])
			.slice(0, 6)
			.map((p) => ({ idno: p['身份证号'], name: p['姓名'], area: p['居住地区划'] })),
		open: planted.filter((h) => !h.state && h !== loopHH),
		alertsTotal: alerts.length,
		seconds: (Date.now() - t0) / 1000,
	};
}
