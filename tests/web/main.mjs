// main.mjs — the browser tests: builds the province (setup.mjs), starts
// `minsheng serve` with the built UI on 127.0.0.1:0, launches Debian's
// Chromium through playwright-core, runs the test files in order and always
// closes the browser and stops the server. Prints TAP; exits 1 on any
// failure. Run through tests/web/run, which sets the environment.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { tap, sleep, shots, watch, unexpectedErrors, screenshot } from './lib.mjs';
import { buildProvince } from './setup.mjs';
import { testLogin } from './t_login.mjs';
import { testLoop } from './t_loop.mjs';
import { testImport } from './t_import.mjs';
import { testDashboard } from './t_dashboard.mjs';
import { testSearch } from './t_search.mjs';
import { testLang } from './t_lang.mjs';
import { testPages } from './t_pages.mjs';

const tmp = process.env.WEB_TMP;
const t0 = Date.now();
let child = null;
let browser = null;

async function startServer() {
	const portFile = path.join(tmp, 'port');
	const log = fs.openSync(path.join(tmp, 'server.log'), 'a');
	child = spawn(process.env.MINSHENG, ['serve', '--db', process.env.MINSHENG_DB, '--static', process.env.WEBDIR,
		'--listen', '127.0.0.1:0', '--port-file', portFile, '--quiet'], { stdio: ['ignore', log, log] });
	fs.writeFileSync(path.join(tmp, 'server.pid'), String(child.pid));
	let exited = null;
	child.on('exit', (code, sig) => (exited = { code, sig }));
	const deadline = Date.now() + 15000;
	while (Date.now() < deadline) {
		if (exited) throw new Error(`the server exited at start (${exited.code ?? exited.sig})`);
		if (fs.existsSync(portFile)) {
			const port = Number(fs.readFileSync(portFile, 'utf8').trim());
			if (port > 0) return port;
		}
		await sleep(50);
	}
	throw new Error('the server did not write its port within 15 s');
}

async function stopServer() {
	if (!child || child.exitCode !== null || child.signalCode !== null) return 'stopped';
	const done = new Promise((r) => child.once('exit', r));
	child.kill('SIGTERM');
	const t = await Promise.race([done.then(() => 'exited'), sleep(10000).then(() => 'timeout')]);
	if (t === 'timeout') {
		tap.note('the server did not stop within 10 s of SIGTERM: SIGKILL');
		child.kill('SIGKILL');
		await Promise.race([done, sleep(2000)]);
	}
	return t;
}

async function closeBrowser() {
	if (!browser) return;
	const b = browser;
	browser = null;
	await Promise.race([b.close().catch(() => {}), sleep(10000)]);
}

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
	process.on(sig, async () => {
		if (stopping) return;
		stopping = true;
		tap.note(`${sig}: closing the browser and stopping the server`);
		await closeBrowser();
		await stopServer();
		process.exit(1);
	});
}

// A test environment handed to each test file: the server's address, the
// province, and a way to open pages (desktop or phone) whose console errors
// are collected.
function makeEnv(base, ctx) {
	const contexts = [];
	const env = {
		base,
		ctx,
		// a fresh browser context (its own cookies and localStorage)
		async open(label, { phone = false } = {}) {
			const opts = phone
				? { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 }
				: { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 };
			const c = await browser.newContext({ ...opts, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true });
			c.setDefaultTimeout(10000);
			contexts.push(c);
			const page = await c.newPage();
			const errs = watch(page, label);
			page.__label = label;
			env.pages.push({ page, errs });
			return page;
		},
		pages: [],
		async closeAll() {
			for (const c of contexts.splice(0)) await c.close().catch(() => {});
		},
	};
	return env;
}

// one test file: its own contexts, a screenshot of each open page when it
// fails, and the console check of every page it opened
async function runFile(name, fn, base, ctx) {
	const env = makeEnv(base, ctx);
	const t1 = Date.now();
	const failedBefore = tap.failed;
	tap.section(name);
	try {
		await fn(env);
	} catch (e) {
		tap.ok(false, `${name}: ${e.message.split('\n')[0]}`, e.stack || String(e));
	}
	if (tap.failed > failedBefore) {
		let i = 0;
		for (const { page } of env.pages) {
			if (!page.isClosed()) await screenshot(page, `fail-${name.replace(/\W+/g, '-')}-${++i}-${page.__label}`);
		}
	}
	const bad = env.pages.flatMap(({ page, errs }) => unexpectedErrors(errs, page.__allowed || [401, 409]));
	tap.ok(bad.length === 0, `${name}: no console errors on the pages visited (${env.pages.length} pages)`,
		bad.map((e) => `[${e.page}] ${e.url}: ${e.text}`).join('\n'));
	await env.closeAll();
	const s = (Date.now() - t1) / 1000;
	tap.note(`${name}: ${s.toFixed(1)} s`);
	return s;
}

let fatal = null;
const times = {};
try {
	shots.artifacts = process.env.ARTIFACTS;
	shots.guide = process.env.SCREENSHOTS || '';
	tap.section('a small province (gen, seeded) and a user per role');
	const ctx = buildProvince(path.join(tmp, 'w'));
	tap.note(`province ready in ${ctx.seconds.toFixed(1)} s: station ${ctx.station} (city ${ctx.city}), ${ctx.alertsTotal} alerts`);
	const port = await startServer();
	tap.ok(port > 0, `the server listens on 127.0.0.1:${port}`);
	const base = `http://127.0.0.1:${port}`;
	const t1 = Date.now();
	browser = await chromium.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
			'--disable-component-update', '--disable-sync', '--no-first-run'],
		timeout: 30000,
	});
	tap.ok(true, `Chromium ${browser.version()} started in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
	const files = [
		['login', testLogin],
		['loop', testLoop],
		['import', testImport],
		['dashboard', testDashboard],
		['search', testSearch],
		['language', testLang],
		['pages', testPages],
	];
	const only = process.env.WEB_ONLY ? process.env.WEB_ONLY.split(',') : null;
	for (const [name, fn] of files) {
		if (only && !only.includes(name)) continue;
		times[name] = await runFile(name, fn, base, ctx);
	}
} catch (e) {
	fatal = e;
	tap.ok(false, `the web tests could not run: ${e.message.split('\n')[0]}`, e.stack);
}
await closeBrowser();
const stopped = await stopServer();
tap.ok(stopped !== 'timeout', 'the server stops on SIGTERM');
if (shots.made.length) tap.note(`guide screenshots in ${shots.guide}: ${shots.made.join(', ')}`);
console.log(`1..${tap.n}`);
tap.note(`${tap.n - tap.failed}/${tap.n} passed in ${((Date.now() - t0) / 1000).toFixed(1)} s` +
	` (${Object.entries(times).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')})`);
process.exit(tap.failed || fatal ? 1 : 0);
