// main.mjs — the API tests: builds the province (fixtures.mjs), starts
// `minsheng serve` on 127.0.0.1:0, runs the permission walk and the
// functional tests, and always stops the server. Prints TAP; exits 1 on any
// failure. Run through tests/api/run, which sets the environment.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tap, server, sleep } from './lib.mjs';
import { buildProvince } from './fixtures.mjs';
import { runPermissions } from './permissions.mjs';
import { runFunctional } from './functional.mjs';
import { runEval } from './eval.mjs';

const tmp = process.env.API_TMP;
const t0 = Date.now();
let child = null;

async function startServer() {
	const portFile = path.join(tmp, 'port');
	const log = fs.openSync(path.join(tmp, 'server.log'), 'a');
	child = spawn(process.env.MINSHENG, ['serve', '--db', process.env.MINSHENG_DB, '--pack', process.env.MINSHENG_PACK,
		'--listen', '127.0.0.1:0', '--port-file', portFile, '--quiet', '--threads', '4'], { stdio: ['ignore', log, log] });
	fs.writeFileSync(path.join(tmp, 'server.pid'), String(child.pid));
	let exited = null;
	child.on('exit', (code, sig) => {
		exited = { code, sig };
		server.exited = exited;
	});
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
	if (!child || child.exitCode !== null || child.signalCode !== null) return;
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

for (const sig of ['SIGINT', 'SIGTERM']) {
	process.on(sig, async () => {
		await stopServer();
		process.exit(1);
	});
}

// The start of a sanitizer report in the server's log, '' when none.
function sanitizerReport() {
	const lp = path.join(tmp, 'server.log');
	if (!fs.existsSync(lp)) return '';
	const lines = fs.readFileSync(lp, 'utf8').split('\n');
	const i = lines.findIndex((l) => /ERROR: (AddressSanitizer|LeakSanitizer|ThreadSanitizer)|runtime error:/.test(l));
	return i < 0 ? '' : lines.slice(Math.max(0, i - 2), i + 40).join('\n');
}

let fatal = null;
try {
	tap.section('building a small province (gen 3000 people, seeded)');
	const ctx = buildProvince(path.join(tmp, 'w'));
	tap.note(`province ready in ${ctx.setupSeconds.toFixed(1)} s: S1 ${ctx.S1}, S2 ${ctx.S2} (city ${ctx.C1}), S3 ${ctx.S3} (city ${ctx.C2})`);
	server.port = await startServer();
	tap.ok(server.port > 0, `the server listens on 127.0.0.1:${server.port}`);
	const perm = await runPermissions(ctx);
	await runEval(ctx); // before the functional tests, whose last one throttles logins
	await runFunctional(ctx);
	const stopped = await stopServer();
	tap.ok(stopped === 'exited', 'the server stops on SIGTERM');
	tap.ok(!sanitizerReport(), 'the server log has no sanitizer report', sanitizerReport());
	tap.note(`permission walk: ${perm.cases} cases, ${perm.pass} pass, ${perm.fail} fail, ${perm.skip} skipped`);
} catch (e) {
	fatal = e;
	tap.ok(false, 'the API tests ran to the end', e.stack || e.message);
	const lp = path.join(tmp, 'server.log');
	const rep = sanitizerReport();
	if (rep) tap.note(`server sanitizer report:\n${rep}`);
	else if (fs.existsSync(lp)) tap.note(`server log (tail):\n${fs.readFileSync(lp, 'utf8').split('\n').slice(-20).join('\n')}`);
} finally {
	await stopServer();
}
console.log(`1..${tap.n}`);
tap.note(`api: ${tap.n - tap.failed - tap.skipped} passed, ${tap.failed} failed, ${tap.skipped} skipped in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(tap.failed || fatal ? 1 : 0);
