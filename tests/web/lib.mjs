// lib.mjs — what the browser tests share: a TAP reporter, the operator's
// command line, small CSV and date helpers, identity numbers and TOTP, and
// the browser side: pages that record console errors, logging in through
// the login form, reading a canvas's pixels, screenshots, a synthetic JPEG.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

// ---- TAP ----
export const tap = {
	n: 0,
	failed: 0,
	section(title) {
		console.log(`# ---- ${title} ----`);
	},
	ok(cond, name, diag) {
		this.n++;
		if (cond) console.log(`ok ${this.n} - ${name}`);
		else {
			this.failed++;
			console.log(`not ok ${this.n} - ${name}`);
			if (diag !== undefined) for (const l of String(typeof diag === 'string' ? diag : JSON.stringify(diag)).split('\n')) console.log(`#   ${l}`);
		}
		return !!cond;
	},
	eq(got, want, name) {
		const g = JSON.stringify(got);
		const w = JSON.stringify(want);
		return this.ok(g === w, name, `got  ${g}\nwant ${w}`);
	},
	note(text) {
		for (const l of String(text).split('\n')) console.log(`# ${l}`);
	},
};

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- the command line ----
export function cli(args, { input, json = false, cwd } = {}) {
	try {
		const out = execFileSync(process.env.MINSHENG, args, {
			cwd,
			input: input ?? '',
			encoding: 'utf8',
			stdio: ['pipe', 'pipe', 'pipe'],
			maxBuffer: 256 << 20,
		});
		return json ? JSON.parse(out) : out;
	} catch (e) {
		throw new Error(`minsheng ${args.join(' ')} exited ${e.status}: ${(e.stderr || '').slice(0, 600)}`);
	}
}

// ---- files and dates ----
export function readCsv(file) {
	const lines = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter(Boolean);
	const head = lines[0].split(',');
	return lines.slice(1).map((l) => {
		const c = l.split(',');
		const o = {};
		head.forEach((h, i) => (o[h] = c[i] ?? ''));
		return o;
	});
}
export const csv = (rows) => rows.map((r) => r.join(',')).join('\n') + '\n';
export function addDays(iso, n) {
	const d = new Date(`${iso}T00:00:00Z`);
	d.setUTCDate(d.getUTCDate() + n);
	return d.toISOString().slice(0, 10);
}

// ---- identity numbers (GB 11643) and TOTP (RFC 6238) ----
const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
export function idCheck(s17) {
	let sum = 0;
	for (let i = 0; i < 17; i++) sum += Number(s17[i]) * W[i];
	return '10X98765432'[sum % 11];
}
export const makeId = (s17) => s17 + idCheck(s17);
export const MASKED_ID = /^\d{6}\*{8}\d{3}[\dX]$/;

function base32Decode(s) {
	const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = 0;
	let val = 0;
	const out = [];
	for (const c of s.toUpperCase().replace(/[=\s]/g, '')) {
		val = (val << 5) | A.indexOf(c);
		bits += 5;
		if (bits >= 8) {
			out.push((val >>> (bits - 8)) & 0xff);
			bits -= 8;
		}
	}
	return Buffer.from(out);
}
export function totp(secret, t = Date.now() / 1000) {
	const ctr = Buffer.alloc(8);
	ctr.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
	const h = crypto.createHmac('sha1', base32Decode(secret)).update(ctr).digest();
	const o = h[h.length - 1] & 0x0f;
	return String((h.readUInt32BE(o) & 0x7fffffff) % 1e6).padStart(6, '0');
}

// ---- a small synthetic JPEG (a baseline JFIF, 16×16 px, one colour) ----
// Built by hand: SOI, APP0, a quantisation table, SOF0, a Huffman table each
// for DC and AC, SOS and the entropy-coded data of four 8×8 blocks that all
// have DC difference 0 and no AC coefficients, EOI. Any decoder shows it.
export function syntheticJpeg() {
	const seg = (marker, body) => {
		const b = Buffer.from(body);
		const len = Buffer.alloc(2);
		len.writeUInt16BE(b.length + 2);
		return Buffer.concat([Buffer.from([0xff, marker]), len, b]);
	};
	const app0 = seg(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
	const dqt = seg(0xdb, [0, ...new Array(64).fill(1)]);
	const sof = seg(0xc0, [8, 0, 16, 0, 16, 1, 1, 0x11, 0]);
	// DC table: one code of length 1 for category 0; AC table: one code of
	// length 1 for EOB (0x00)
	const dht = (cls) => seg(0xc4, [cls << 4, 1, ...new Array(15).fill(0), 0]);
	const sos = seg(0xda, [1, 1, 0x00, 0, 63, 0]);
	// four blocks × (DC "0" + EOB "0") = 8 zero bits = one byte 0x00
	const data = Buffer.from([0x00]);
	return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, dqt, sof, dht(0), dht(1), sos, data, Buffer.from([0xff, 0xd9])]);
}

// ---- pages: console errors ----
// Console messages of type error and uncaught exceptions; the browser's own
// "Failed to load resource … 401 / 409" lines are expected where a test says
// so (a login with a wrong password, a stale version).
export function watch(page, label) {
	const errors = [];
	page.on('console', (m) => {
		if (m.type() === 'error') errors.push({ page: label, url: page.url(), text: m.text() });
	});
	page.on('pageerror', (e) => errors.push({ page: label, url: page.url(), text: `uncaught: ${e.message}` }));
	page.__errors = errors;
	return errors;
}
export function unexpectedErrors(errors, allowed = [401, 409]) {
	return errors.filter((e) => {
		const m = /Failed to load resource: the server responded with a status of (\d+)/.exec(e.text);
		return !(m && allowed.includes(Number(m[1])));
	});
}

// ---- pages: logging in through the form ----
export async function login(page, base, user, password, { otp } = {}) {
	await page.goto(`${base}/#/`);
	await page.getByTestId('login-form').waitFor();
	await page.getByTestId('login-username').fill(user);
	await page.getByTestId('login-password').fill(password);
	await page.getByTestId('login-submit').click();
	if (otp) {
		await page.getByTestId('login-otp').waitFor();
		await page.getByTestId('login-otp').fill(otp());
		await page.getByTestId('login-submit').click();
	}
	await page.getByTestId('user-name').waitFor();
}

// GET /api/v1/... with the page's session cookie (the context's request
// client shares the cookie jar)
export async function apiGet(page, p) {
	const r = await page.context().request.get(new URL(`/api/v1${p}`, page.url()).toString());
	return { status: r.status(), json: await r.json().catch(() => null) };
}

// ---- charts: how much of a canvas is drawn ----
// The ECharts containers hold one or more canvases; counts the pixels that
// are neither transparent nor (near) white.
export async function canvasInk(page, testid) {
	return page.getByTestId(testid).evaluate((el) => {
		let total = 0;
		let ink = 0;
		let colours = new Set();
		for (const c of el.querySelectorAll('canvas')) {
			const ctx = c.getContext('2d');
			if (!ctx || !c.width || !c.height) continue;
			const d = ctx.getImageData(0, 0, c.width, c.height).data;
			total += c.width * c.height;
			for (let i = 0; i < d.length; i += 4) {
				const a = d[i + 3];
				if (a < 16) continue;
				if (d[i] > 245 && d[i + 1] > 245 && d[i + 2] > 245) continue;
				ink++;
				if (colours.size < 64) colours.add((d[i] >> 4) * 256 + (d[i + 1] >> 4) * 16 + (d[i + 2] >> 4));
			}
		}
		return { total, ink, colours: colours.size };
	});
}

// ---- screenshots ----
export const shots = {
	artifacts: '',
	guide: '', // SCREENSHOTS: the guide's folder (docs/img), or ''
	made: [],
};
// a test artifact (always) and, for the guide's pictures, a compressed copy
// in the guide's folder
export async function screenshot(page, name, { guide = false, locator } = {}) {
	try {
		fs.mkdirSync(shots.artifacts, { recursive: true });
		const file = path.join(shots.artifacts, `${name}.png`);
		const png = locator ? await locator.screenshot({ animations: 'disabled' }) : await page.screenshot({ animations: 'disabled' });
		fs.writeFileSync(file, png);
		if (guide && shots.guide) {
			fs.mkdirSync(shots.guide, { recursive: true });
			const small = compressPng(png);
			fs.writeFileSync(path.join(shots.guide, `${name}.png`), small);
			shots.made.push(`${name}.png (${Math.round(small.length / 1024)} KB)`);
		}
	} catch (e) {
		tap.note(`screenshot ${name}: ${e.message}`);
	}
}

// ---- PNG compression for the guide's pictures ----
// Chromium writes fast, lightly compressed RGB(A) PNGs. This decodes one
// (8-bit RGB or RGBA, opaque, not interlaced) and writes it with a palette of
// at most 256 colours: exact when the picture has no more, else the colours
// that cover much of it kept exactly (backgrounds, text, buttons) and the
// others (anti-aliased edges, the charts' shades) reduced by median cut. Each
// row's filter is picked by the smallest sum, then deflate at level 9.

// px: RGB(A) pixels → {plte, idx}
function quantize(px, bpp, n) {
	const hist = new Map(); // 24-bit colour → count
	for (let i = 0; i < n; i++) {
		const k = (px[i * bpp] << 16) | (px[i * bpp + 1] << 8) | px[i * bpp + 2];
		hist.set(k, (hist.get(k) || 0) + 1);
	}
	const palette = [];
	const exact = new Map(); // colour → palette index
	const keep = (k) => {
		exact.set(k, palette.length);
		palette.push([k >> 16, (k >> 8) & 0xff, k & 0xff]);
	};
	if (hist.size <= 256) {
		for (const k of hist.keys()) keep(k);
	} else {
		// the colours of at least 0.2 % of the picture, at most 64, kept exactly
		[...hist.entries()].filter(([, c]) => c >= n / 500).sort((a, b) => b[1] - a[1]).slice(0, 64).forEach(([k]) => keep(k));
		// the others: median cut over their 15-bit histogram
		const bins = new Map();
		for (const [k, c] of hist) {
			if (exact.has(k)) continue;
			const q = ((k >> 19) << 10) | (((k >> 11) & 31) << 5) | ((k >> 3) & 31);
			const e = bins.get(q) || { q, c: 0, r: 0, g: 0, b: 0 };
			e.c += c;
			e.r += (k >> 16) * c;
			e.g += ((k >> 8) & 0xff) * c;
			e.b += (k & 0xff) * c;
			bins.set(q, e);
		}
		const ch = (e, j) => (j === 0 ? e.r : j === 1 ? e.g : e.b) / e.c;
		let boxes = [[...bins.values()]];
		const room = 256 - palette.length;
		while (boxes.length < room) {
			// split the box with the most pixels × widest spread
			let bi = -1;
			let score = 0;
			let axis = 0;
			for (let i = 0; i < boxes.length; i++) {
				const bx = boxes[i];
				if (bx.length < 2) continue;
				let cnt = 0;
				const lo = [255, 255, 255];
				const hi = [0, 0, 0];
				for (const e of bx) {
					cnt += e.c;
					for (let j = 0; j < 3; j++) {
						const v = ch(e, j);
						if (v < lo[j]) lo[j] = v;
						if (v > hi[j]) hi[j] = v;
					}
				}
				const spans = hi.map((v, j) => v - lo[j]);
				const j = spans.indexOf(Math.max(...spans));
				const sc = cnt * spans[j];
				if (sc > score) {
					score = sc;
					bi = i;
					axis = j;
				}
			}
			if (bi < 0) break;
			const bx = boxes[bi].sort((a, b) => ch(a, axis) - ch(b, axis));
			const total = bx.reduce((t, e) => t + e.c, 0);
			let acc = 0;
			let cut = 1;
			for (; cut < bx.length - 1; cut++) {
				acc += bx[cut - 1].c;
				if (acc >= total / 2) break;
			}
			boxes.splice(bi, 1, bx.slice(0, cut), bx.slice(cut));
		}
		boxes = boxes.filter((bx) => bx.length);
		const binIndex = new Map();
		for (const bx of boxes) {
			let c = 0;
			let r = 0;
			let g = 0;
			let b = 0;
			for (const e of bx) {
				c += e.c;
				r += e.r;
				g += e.g;
				b += e.b;
			}
			const i = palette.length;
			palette.push([Math.round(r / c), Math.round(g / c), Math.round(b / c)]);
			for (const e of bx) binIndex.set(e.q, i);
		}
		for (const k of hist.keys()) {
			if (!exact.has(k)) exact.set(k, binIndex.get(((k >> 19) << 10) | (((k >> 11) & 31) << 5) | ((k >> 3) & 31)));
		}
	}
	const idx = Buffer.alloc(n);
	for (let i = 0; i < n; i++) idx[i] = exact.get((px[i * bpp] << 16) | (px[i * bpp + 1] << 8) | px[i * bpp + 2]);
	const plte = Buffer.alloc(palette.length * 3);
	palette.forEach(([r, g, b], i) => {
		plte[i * 3] = r;
		plte[i * 3 + 1] = g;
		plte[i * 3 + 2] = b;
	});
	return { plte, idx };
}
function crc32(buf) {
	let c;
	const table = crc32.table || (crc32.table = Array.from({ length: 256 }, (_, n) => {
		c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		return c >>> 0;
	}));
	c = 0xffffffff;
	for (const b of buf) c = table[(c ^ b) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
	const len = Buffer.alloc(4);
	len.writeUInt32BE(data.length);
	const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(td));
	return Buffer.concat([len, td, crc]);
}
const paeth = (a, b, c) => {
	const p = a + b - c;
	const pa = Math.abs(p - a);
	const pb = Math.abs(p - b);
	const pc = Math.abs(p - c);
	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};
export function compressPng(png) {
	try {
		let pos = 8;
		let w = 0;
		let h = 0;
		let depth = 0;
		let type = 0;
		let interlace = 0;
		const idat = [];
		while (pos < png.length) {
			const len = png.readUInt32BE(pos);
			const t = png.toString('ascii', pos + 4, pos + 8);
			const d = png.subarray(pos + 8, pos + 8 + len);
			if (t === 'IHDR') {
				w = d.readUInt32BE(0);
				h = d.readUInt32BE(4);
				depth = d[8];
				type = d[9];
				interlace = d[12];
			} else if (t === 'IDAT') idat.push(d);
			pos += 12 + len;
		}
		if (depth !== 8 || (type !== 2 && type !== 6) || interlace) return png;
		const bpp = type === 6 ? 4 : 3;
		const raw = zlib.inflateSync(Buffer.concat(idat));
		const stride = w * bpp;
		const px = Buffer.alloc(h * stride);
		for (let y = 0; y < h; y++) {
			const f = raw[y * (stride + 1)];
			const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
			const o = y * stride;
			for (let x = 0; x < stride; x++) {
				const a = x >= bpp ? px[o + x - bpp] : 0;
				const b = y ? px[o - stride + x] : 0;
				const c = x >= bpp && y ? px[o - stride + x - bpp] : 0;
				const v = src[x];
				px[o + x] = (f === 0 ? v : f === 1 ? v + a : f === 2 ? v + b : f === 3 ? v + ((a + b) >> 1) : v + paeth(a, b, c)) & 0xff;
			}
		}
		// alpha must be opaque everywhere to drop it
		for (let i = 3; bpp === 4 && i < px.length; i += 4) if (px[i] !== 255) return png;
		const { plte, idx } = quantize(px, bpp, w * h);
		const outBpp = 1;
		const rows = idx;
		const ihdrType = 3;
		const extra = [chunk('PLTE', plte)];
		const os = w * outBpp;
		const out = Buffer.alloc(h * (os + 1));
		const cand = Buffer.alloc(os);
		for (let y = 0; y < h; y++) {
			const o = y * os;
			let best = -1;
			let bestSum = Infinity;
			for (const f of [0, 1, 2]) {
				let sum = 0;
				for (let x = 0; x < os; x++) {
					const a = x >= outBpp ? rows[o + x - outBpp] : 0;
					const b = y ? rows[o - os + x] : 0;
					const c = x >= outBpp && y ? rows[o - os + x - outBpp] : 0;
					const v = rows[o + x];
					const r = (f === 0 ? v : f === 1 ? v - a : f === 2 ? v - b : f === 3 ? v - ((a + b) >> 1) : v - paeth(a, b, c)) & 0xff;
					cand[x] = r;
					sum += r < 128 ? r : 256 - r;
				}
				if (sum < bestSum) {
					bestSum = sum;
					best = f;
					out[y * (os + 1)] = f;
					cand.copy(out, y * (os + 1) + 1);
				}
			}
		}
		const ihdr = Buffer.alloc(13);
		ihdr.writeUInt32BE(w, 0);
		ihdr.writeUInt32BE(h, 4);
		ihdr[8] = 8;
		ihdr[9] = ihdrType;
		const small = Buffer.concat([
			png.subarray(0, 8),
			chunk('IHDR', ihdr),
			...extra,
			chunk('IDAT', zlib.deflateSync(out, { level: 9, memLevel: 9 })),
			chunk('IEND', Buffer.alloc(0)),
		]);
		return small.length < png.length ? small : png;
	} catch {
		return png;
	}
}
