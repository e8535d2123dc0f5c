// t_login.mjs — every role logs in through the form: its landing page and
// the header (name, role); a wrong password is refused; an account with a
// second factor is asked for the one-time code; logging out shows the login.
import { tap, login, totp, screenshot, sleep } from './lib.mjs';

// role → [user, the role's label in the header, the landing page's testid]
const ROLES = [
	['admin', 'admin', '省级管理员', 'dashboard'],
	['officer', 'officer', '民政经办', 'dashboard'],
	['station_head', 'head', '社工站站长', 'dashboard'],
	['worker', 'worker', '社工', 'inbox-title'],
	['uploader', 'uploader', '部门接口', 'imports-page'],
	['evaluator', 'evaluator', '第三方评估', 'stations-page'],
	['auditor', 'auditor', '审计', 'no-pages'],
];
// the navigation each role has (web/src/app.mjs navFor)
const NAV = {
	admin: ['dashboard', 'inbox', 'alerts', 'imports', 'rules', 'stations'],
	officer: ['dashboard', 'inbox', 'alerts', 'imports', 'rules', 'stations'],
	station_head: ['dashboard', 'inbox', 'alerts', 'rules', 'stations'],
	worker: ['inbox', 'rules', 'stations'],
	uploader: ['imports'],
	evaluator: ['stations'],
	auditor: [],
};

export async function testLogin(env) {
	const { base, ctx } = env;
	// the login page itself, and a wrong password
	const page = await env.open('login');
	page.__allowed = [401];
	await page.goto(`${base}/`);
	await page.getByTestId('login-form').waitFor();
	tap.ok(await page.getByTestId('login-otp').count() === 0, 'the login form asks for a name and a password only');
	await page.getByTestId('login-username').fill('officer');
	await page.getByTestId('login-password').fill('not the password');
	await page.getByTestId('login-submit').click();
	await page.getByTestId('login-error').waitFor();
	tap.ok(/密码/.test(await page.getByTestId('login-error').textContent()), 'a wrong password: the form says so (401)');
	await page.getByTestId('login-password').fill('');
	await page.getByTestId('login-username').fill('officer');
	await page.getByTestId('login-password').fill(ctx.password);
	await page.evaluate(() => document.querySelector('[data-testid="login-error"]')?.remove());
	await screenshot(page, 'login', { guide: true });

	for (const [role, user, roleLabel, landing] of ROLES) {
		const p = await env.open(`login-${role}`);
		await login(p, base, user, ctx.password);
		await p.getByTestId(landing).waitFor();
		const name = (await p.getByTestId('user-name').textContent()).trim();
		const shown = (await p.getByTestId('user-role').textContent()).trim();
		const nav = await p.locator('header [data-testid^="nav-"]').evaluateAll((els) =>
			els.map((e) => e.dataset.testid.slice(4)).filter((n) => n !== 'home'));
		tap.ok(name === user && shown === roleLabel && nav.join() === NAV[role].join(),
			`${role}: lands on ${landing}, the header shows ${user} · ${roleLabel} and its pages`,
			{ name, role: shown, nav });
		if (role === 'auditor') {
			tap.ok(await p.getByTestId('search-input').count() === 0, 'auditor: no search box (no personal data)');
		}
		if (role === 'worker') {
			// the worker lands on its own inbox (the title names it once loaded)
			await p.getByTestId('inbox-counts').waitFor();
			const title = await p.getByTestId('inbox-title').textContent();
			tap.ok(title.includes('worker'), `worker: the inbox is its own ("${title.trim()}")`);
		}
		if (role === 'officer') {
			// logging out shows the login form; the session is gone
			await p.getByTestId('logout').click();
			await p.getByTestId('login-form').waitFor();
			const r = await p.context().request.get(`${base}/api/v1/session`);
			tap.ok(r.status() === 401, 'officer: logout shows the login form and ends the session', r.status());
			p.__allowed = [401];
		}
		await p.context().close();
	}

	// a second factor: the form asks for the one-time code after the password
	const o = await env.open('login-otp');
	o.__allowed = [401];
	await o.goto(`${base}/`);
	await o.getByTestId('login-username').fill(ctx.otpUser);
	await o.getByTestId('login-password').fill(ctx.password);
	await o.getByTestId('login-submit').click();
	await o.getByTestId('login-otp').waitFor();
	tap.ok(await o.getByTestId('login-otp').isVisible(), 'an account with a second factor: the form asks for the one-time code');
	// a code is accepted once: if this 30-second window's code was used, the
	// next window's is needed
	let ok = false;
	for (let i = 0; i < 2 && !ok; i++) {
		await o.getByTestId('login-otp').fill(totp(ctx.otpSecret));
		await o.getByTestId('login-submit').click();
		ok = await o.getByTestId('user-name').waitFor({ timeout: 4000 }).then(() => true, () => false);
		if (!ok) await sleep(1000);
	}
	tap.ok(ok && (await o.getByTestId('user-name').textContent()).trim() === ctx.otpUser, 'with the right one-time code the login succeeds');
}
