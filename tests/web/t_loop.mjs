// t_loop.mjs — the closed loop on a phone (375×812, touch): the station
// head assigns an alert of its inbox to the worker; the worker opens it from
// its inbox, starts verifying, verifies it (纳入救助 with a benefit, and a
// note), attaches a photo taken "with the camera" (a JPEG drawn in the page)
// and records the home visit in the household's service file; the officer
// closes it with a decision. Then GET /api/v1/alerts/{id}: closed, with the
// four transitions in its history.
import { tap, login, apiGet, screenshot, syntheticJpeg } from './lib.mjs';

const NOTE = '入户核实：房屋倒塌，一家二口暂住村委会临时安置点，无其他收入来源。';
const BENEFIT = '临时救助';
const DECISION = '经核实符合临时救助条件，纳入临时救助，按政策一次性发放。';

// a photo: a small JPEG drawn on a canvas in the page (a house under a sky)
async function photo(page) {
	const b64 = await page.evaluate(() => {
		const c = document.createElement('canvas');
		c.width = 320;
		c.height = 240;
		const g = c.getContext('2d');
		g.fillStyle = '#9fd3f5';
		g.fillRect(0, 0, 320, 240);
		g.fillStyle = '#7cb342';
		g.fillRect(0, 170, 320, 70);
		g.fillStyle = '#c8a27a';
		g.fillRect(100, 110, 120, 80);
		g.fillStyle = '#8d3b2f';
		g.beginPath();
		g.moveTo(90, 112);
		g.lineTo(160, 60);
		g.lineTo(230, 112);
		g.fill();
		g.fillStyle = '#5d4037';
		g.fillRect(148, 145, 26, 45);
		return c.toDataURL('image/jpeg', 0.85).split(',')[1];
	}).catch(() => null);
	const buf = b64 ? Buffer.from(b64, 'base64') : syntheticJpeg();
	return { name: 'visit-photo.jpg', mimeType: 'image/jpeg', buffer: buf };
}

const state = (page) => page.getByTestId('alert-page').getAttribute('data-state');
async function waitState(page, s) {
	await page.locator(`[data-testid="alert-page"][data-state="${s}"]`).waitFor();
	return s;
}

export async function testLoop(env) {
	const { base, ctx } = env;
	const id = String(ctx.loop.alert);

	// ---- the station head assigns the alert to the worker, on a phone ----
	const head = await env.open('head-phone', { phone: true });
	await login(head, base, 'head', ctx.password);
	await head.getByTestId('nav-inbox').click();
	const row = head.locator(`[data-testid="inbox-row"][data-id="${id}"]`);
	await row.waitFor();
	const counts = JSON.parse(await head.getByTestId('inbox-counts').getAttribute('data-figures'));
	tap.ok(counts.new >= ctx.open.length + 1, `head: the station's inbox lists alert ${id} (new: ${counts.new})`, counts);
	await row.getByTestId('assign-select').selectOption('worker');
	await screenshot(head, 'inbox-phone', { guide: true });
	await row.getByTestId('assign-button').click();
	await head.getByTestId('notice').waitFor();
	await head.locator(`[data-testid="inbox-row"][data-id="${id}"] [data-state="assigned"]`).waitFor();
	tap.ok(/worker/.test(await head.locator(`[data-testid="inbox-row"][data-id="${id}"]`).textContent()),
		`head: alert ${id} assigned to worker from the inbox`);

	// ---- the worker, on a phone: inbox → alert → start → verify → photo ----
	const wk = await env.open('worker-phone', { phone: true });
	await login(wk, base, 'worker', ctx.password);
	const wrow = wk.locator(`[data-testid="inbox-row"][data-id="${id}"]`);
	await wrow.waitFor();
	await wrow.getByTestId('alert-link').click();
	await wk.getByTestId('alert-page').waitFor();
	tap.ok(await state(wk) === 'assigned' && new URL(wk.url()).hash === `#/alerts/${id}`,
		`worker: opens alert ${id} from its inbox (assigned)`);
	const hasExplanation = await wk.getByTestId('explanation-summary').count();
	tap.ok(hasExplanation > 0, 'worker: the alert explains why it was raised');
	await wk.getByTestId('action-start').click();
	await waitState(wk, 'verifying');
	tap.ok(true, 'worker: starts verifying (verifying)');
	await wk.getByTestId('verify-outcome').selectOption('enrolled');
	await wk.getByTestId('verify-benefit').fill(BENEFIT);
	await wk.getByTestId('verify-note').fill(NOTE);
	await wk.getByTestId('verify-form').scrollIntoViewIfNeeded();
	await wk.getByTestId('verify-form').evaluate((el) => el.scrollIntoView({ block: 'start' }));
	await screenshot(wk, 'verify-phone', { guide: true });
	await wk.getByTestId('verify-submit').click();
	await waitState(wk, 'verified');
	tap.ok(/纳入救助/.test(await wk.getByTestId('alert-summary').textContent()), 'worker: verified with the outcome 纳入救助 and a note');
	const pic = await photo(wk);
	await wk.getByTestId('attach-photo').setInputFiles(pic);
	await wk.getByTestId('attach-done').waitFor();
	await wk.getByTestId('attachment').first().waitFor();
	const img = wk.locator('[data-testid="attachment"] img');
	await img.waitFor();
	const natural = await img.evaluate((el) => (el.complete ? el.naturalWidth : 0));
	tap.ok(await wk.getByTestId('attachment').count() === 1 && natural > 0,
		`worker: a photo attached from the phone (${pic.buffer.length} bytes JPEG, shown as a ${natural} px wide thumbnail)`);

	// the household's page: the worker records the visit
	await wk.locator('[data-testid="alert-summary"] a[href^="#/persons/"]').click();
	await wk.getByTestId('person-page').waitFor();
	await wk.getByTestId('person-household').click();
	await wk.getByTestId('household-page').waitFor();
	await wk.getByTestId('visit-kind').selectOption('home');
	await wk.getByTestId('visit-note').fill('入户走访：了解安置情况，协助准备临时救助申请材料。');
	await wk.getByTestId('visit-needs').fill('临时住所；生活物资');
	await wk.getByTestId('household-visit').evaluate((el) => el.scrollIntoView({ block: 'start' }));
	await screenshot(wk, 'visit-phone', { guide: true });
	await wk.getByTestId('visit-submit').click();
	await wk.getByTestId('visit-done').waitFor();
	await wk.locator('[data-testid="household-file"] [data-testid="file-entry"]').first().waitFor();
	await wk.locator('[data-testid="household-timeline"] [data-testid="timeline-item"][data-source="visit"]').first().waitFor();
	tap.ok(true, 'worker: records the home visit on the household page; it shows in the service file and the timeline');

	// ---- the officer closes it with a decision (desktop) ----
	const off = await env.open('officer-close');
	await login(off, base, 'officer', ctx.password);
	await off.goto(`${base}/#/alerts/${id}`);
	await waitState(off, 'verified');
	await off.getByTestId('close-decision').fill(DECISION);
	await off.getByTestId('alert-actions-card').evaluate((el) => el.scrollIntoView({ block: 'start' }));
	await off.evaluate(() => window.scrollBy(0, -300)); // the summary's end (outcome) above it
	await screenshot(off, 'close', { guide: true });
	await off.getByTestId('action-close').click();
	await waitState(off, 'closed');
	tap.ok(await off.getByTestId('no-actions').count() === 1, 'officer: closes the alert with a decision (closed, no actions left)');

	// ---- the record, through the API ----
	const r = await apiGet(off, `/alerts/${id}`);
	const a = r.json || {};
	const moves = (a.history || []).filter((h) => h.from).map((h) => `${h.from}→${h.to}`);
	tap.ok(r.status === 200 && a.state === 'closed', `GET /api/v1/alerts/${id}: closed`, { status: r.status, state: a.state });
	tap.eq(moves, ['new→assigned', 'assigned→verifying', 'verifying→verified', 'verified→closed'], `GET /api/v1/alerts/${id}: the history has the four transitions`);
	ctx.loopDone = a.state === 'closed';
	const by = Object.fromEntries((a.history || []).filter((h) => h.from).map((h) => [h.to, h.actor]));
	tap.eq(by, { assigned: 'head', verifying: 'worker', verified: 'worker', closed: 'officer' }, 'each transition by the user who took it');
	tap.ok(a.outcome === 'enrolled' && a.decision === DECISION && (a.attachments || []).length === 1 &&
		(a.history || []).some((h) => h.to === 'verified' && h.benefit === BENEFIT && h.note === NOTE),
		'the alert keeps the outcome, benefit, note, decision and the photo',
		{ outcome: a.outcome, decision: a.decision, attachments: (a.attachments || []).length, history: a.history });
}
