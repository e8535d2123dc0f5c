// lib.mjs — what the API tests share: a TAP reporter, an HTTP client over
// node:http (loopback only), the command line of the operator, and small
// helpers (identity numbers, TOTP, polling).
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import crypto from 'node:crypto';

// ---- TAP ----
export const tap = {
	n: 0,
	failed: 0,
	skipped: 0,
	section(title) {
		console.log(`# ---- ${title} ----`);
	},
	ok(cond, name, diag) {
		this.n++;
		if (cond) {
			console.log(`ok ${this.n} - ${name}`);
		} else {
			this.failed++;
			console.log(`not ok ${this.n} - ${name}`);
			if (diag) for (const l of String(diag).split('\n')) console.log(`#   ${l}`);
		}
		return !!cond;
	},
	skip(name, why) {
		this.n++;
		this.skipped++;
		console.log(`ok ${this.n} - ${name} # SKIP ${why}`);
	},
	note(text) {
		for (const l of String(text).split('\n')) console.log(`# ${l}`);
	},
};

// ---- the command line ----
export function cli(args, { input, allowFail = false, json = false } = {}) {
	const bin = process.env.MINSHENG;
	try {
		const out = execFileSync(bin, args, {
			input: input ?? '',
			encoding: 'utf8',
			stdio: ['pipe', 'pipe', 'pipe'],
			maxBuffer: 256 << 20,
		});
		return json ? JSON.parse(out) : out;
	} catch (e) {
		if (allowFail) return { failed: true, status: e.status, stdout: e.stdout, stderr: e.stderr };
		throw new Error(`minsheng ${args.join(' ')} exited ${e.status}: ${(e.stderr || '').slice(0, 600)}`);
	}
}

// ---- HTTP ----
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
export const server = { port: 0, host: '127.0.0.1', exited: null };

/* One request. opts: headers, body (string | Buffer | object → JSON),
 * cookie, csrf, token, query (object), rawHeaders (array of [k, v]),
 * timeout (ms). Resolves {status, headers, text, json}. */
export function request(method, path, opts = {}) {
	return new Promise((resolve, reject) => {
		let p = path;
		if (opts.query) {
			const q = new URLSearchParams(opts.query).toString();
			if (q) p += (p.includes('?') ? '&' : '?') + q;
		}
		const headers = {};
		let body = opts.body;
		if (body !== undefined && body !== null && typeof body === 'object' && !Buffer.isBuffer(body)) {
			body = JSON.stringify(body);
			headers['content-type'] = 'application/json';
		}
		if (typeof body === 'string') body = Buffer.from(body, 'utf8');
		if (opts.session) {
			headers.cookie = `ms_session=${opts.session.cookie}`;
			if (method !== 'GET' && method !== 'HEAD' && opts.csrf !== false) headers['x-csrf-token'] = opts.session.csrf;
		}
		if (opts.cookie) headers.cookie = `ms_session=${opts.cookie}`;
		if (opts.csrf && typeof opts.csrf === 'string') headers['x-csrf-token'] = opts.csrf;
		if (opts.token) headers.authorization = `Bearer ${opts.token}`;
		Object.assign(headers, opts.headers || {});
		if (body) headers['content-length'] = String(body.length);
		else if (method !== 'GET' && method !== 'HEAD' && method !== 'DELETE') headers['content-length'] = '0';
		const req = http.request(
			{ host: server.host, port: server.port, method, path: p, headers, agent: opts.agent ?? agent },
			(res) => {
				const chunks = [];
				res.on('data', (c) => chunks.push(c));
				res.on('end', () => {
					const buf = Buffer.concat(chunks);
					const text = buf.toString('utf8');
					let json;
					try {
						json = JSON.parse(text);
					} catch {
						json = undefined;
					}
					resolve({ status: res.statusCode, headers: res.headers, text, json, buf });
				});
				res.on('error', reject);
			},
		);
		req.setTimeout(opts.timeout ?? 20000, () => req.destroy(new Error(`timeout: ${method} ${p}`)));
		req.on('error', (e) => {
			// a server that answers early and closes (413) may reset the upload
			if (opts.tolerateReset && (e.code === 'ECONNRESET' || e.code === 'EPIPE'))
				resolve({ status: 0, headers: {}, text: '', json: undefined, reset: true });
			else reject(e);
		});
		if (body) req.write(body);
		req.end();
	});
}

export async function login(username, password, extra = {}) {
	const r = await request('POST', '/api/v1/login', { body: { username, password, ...extra }, agent: false });
	if (r.status !== 200) return { status: r.status, res: r };
	const sc = [].concat(r.headers['set-cookie'] || []).join('\n');
	const m = /ms_session=([^;]*)/.exec(sc);
	return { status: 200, res: r, cookie: m ? m[1] : '', csrf: r.json?.csrf, setCookie: sc };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* Polls a job until it is done or failed, at most `ms`. */
export async function waitJob(id, auth, ms = 30000) {
	const t0 = Date.now();
	let last;
	while (Date.now() - t0 < ms) {
		last = await request('GET', `/api/v1/jobs/${id}`, auth);
		if (last.status !== 200) return last;
		if (last.json && (last.json.state === 'done' || last.json.state === 'failed')) return last;
		await sleep(100);
	}
	return last;
}

// ---- identity numbers (GB 11643) ----
const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
export function idCheck(s17) {
	let sum = 0;
	for (let i = 0; i < 17; i++) sum += Number(s17[i]) * W[i];
	return '10X98765432'[sum % 11];
}
export const makeId = (s17) => s17 + idCheck(s17);
export const isFullId = (s) => /^\d{17}[\dX]$/.test(s);

// ---- TOTP (RFC 6238, HMAC-SHA1, 30 s, 6 digits) ----
export function base32Decode(s) {
	const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	const clean = s.toUpperCase().replace(/=+$/, '').replace(/\s/g, '');
	let bits = 0,
		val = 0;
	const out = [];
	for (const c of clean) {
		const v = A.indexOf(c);
		if (v < 0) throw new Error(`bad base32 character ${c}`);
		val = (val << 5) | v;
		bits += 5;
		if (bits >= 8) {
			out.push((val >>> (bits - 8)) & 0xff);
			bits -= 8;
		}
	}
	return Buffer.from(out);
}
export function totp(secretB32, t = Date.now() / 1000, step = 30, digits = 6) {
	const key = base32Decode(secretB32);
	const ctr = Buffer.alloc(8);
	ctr.writeBigUInt64BE(BigInt(Math.floor(t / step)));
	const h = crypto.createHmac('sha1', key).update(ctr).digest();
	const o = h[h.length - 1] & 0x0f;
	const code = ((h.readUInt32BE(o) & 0x7fffffff) % 10 ** digits).toString();
	return code.padStart(digits, '0');
}

export function sha256(buf) {
	return crypto.createHash('sha256').update(buf).digest('hex');
}

/* Fixture pools: element 0 is shared by the cases that must not change it;
 * fresh() hands out the others, once each. */
export function shared(list, label) {
	if (!list || !list.length) throw new Error(`no fixture ${label}`);
	return list[0];
}
export function fresh(list, label) {
	if (!list || !list.length) throw new Error(`no fixture ${label}`);
	list.__next = list.__next || 1;
	if (list.__next >= list.length) throw new Error(`fixture ${label} exhausted`);
	return list[list.__next++];
}
