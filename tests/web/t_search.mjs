// t_search.mjs — the officer finds a person by name (the header's search
// box) and by the last six digits of the identity number (the search page);
// lists show the number masked; the person page shows it in full, with the
// household, the alerts and the timeline (the alert's transitions and the
// department data).
import { tap, login, screenshot, MASKED_ID } from './lib.mjs';

// submits a search (click) and waits for its answer to be shown (the page
// keeps the last results while the next ones load)
async function search(page, q, click) {
	const answered = page.waitForResponse((r) => r.url().includes('/api/v1/search?') && new URL(r.url()).searchParams.get('q') === q);
	await click();
	await answered;
	await page.waitForURL((u) => new URLSearchParams(u.hash.split('?')[1] || '').get('q') === q);
	await page.waitForFunction(() => !document.querySelector('.loading'));
	await page.getByTestId('search-results').waitFor();
	return page.getByTestId('search-row');
}

export async function testSearch(env) {
	const { base, ctx } = env;
	const person = ctx.loop.head;
	const page = await env.open('search');
	await login(page, base, 'officer', ctx.password);

	// by name, from the header
	await page.getByTestId('search-input').fill(person.name);
	let rows = await search(page, person.name, () => page.getByTestId('search-submit').click());
	const byName = rows.filter({ hasText: person.name });
	const n1 = await byName.count();
	const masked1 = n1 ? (await byName.first().locator('.mono').first().textContent()).trim() : '';
	tap.ok(n1 === 1 && MASKED_ID.test(masked1) && masked1.slice(0, 6) === person.idno.slice(0, 6) && masked1.slice(-4) === person.idno.slice(-4),
		`search by name "${person.name}": one person, the number masked (${masked1})`, { n1, masked1 });
	const listText = await page.getByTestId('search-results').textContent();
	tap.ok(!listText.includes(person.idno), 'the full identity number is nowhere in the list');
	await screenshot(page, 'search', { guide: true });

	// by the last six digits, from the search page
	const last = person.idno.slice(-6);
	await page.getByTestId('search-page-input').fill(last);
	rows = await search(page, last, () => page.getByTestId('search-page-submit').click());
	const byDigits = rows.filter({ hasText: person.name });
	const n2 = await byDigits.count();
	const masked2 = n2 ? (await byDigits.first().locator('.mono').first().textContent()).trim() : '';
	tap.ok(n2 === 1 && masked2 === masked1, `search by the last six digits "${last}": the same person, masked`, { n2, masked2 });

	// the person page: the number in full, the household, alerts, timeline
	await byDigits.first().getByTestId('search-link').click();
	await page.getByTestId('person-page').waitFor();
	const idno = (await page.getByTestId('person-idno').textContent()).trim();
	tap.ok(idno === person.idno, `the person page shows the full number (${idno.slice(0, 6)}…)`);
	await page.locator('[data-testid="subject-alert"]').first().waitFor();
	const alertIds = await page.locator('[data-testid="subject-alert"]').evaluateAll((els) => els.map((e) => e.dataset.id));
	tap.ok(alertIds.includes(String(ctx.loop.alert)), `the person page lists alert ${ctx.loop.alert}`, alertIds);
	await page.locator('[data-testid="person-timeline"] [data-testid="timeline-item"]').first().waitFor();
	const sources = await page.locator('[data-testid="person-timeline"] [data-testid="timeline-item"]').evaluateAll((els) => els.map((e) => e.dataset.source));
	// (after the loop test: creation and four transitions; else creation)
	const moves = ctx.loopDone ? 5 : 1;
	tap.ok(sources.filter((s) => s === 'alert').length >= moves && sources.includes('fact'),
		`the timeline shows the alert's creation and four transitions, and the department data (${sources.join(', ')})`, sources);
	await page.getByTestId('person-timeline').evaluate((el) => el.scrollIntoView({ block: 'start' }));
	await page.evaluate(() => window.scrollBy(0, -16));
	await screenshot(page, 'person', { guide: true });
	// the household page, from the person page: members masked
	await page.getByTestId('person-household').click();
	await page.getByTestId('household-page').waitFor();
	const members = await page.locator('[data-testid="member-row"] .mono').allTextContents();
	tap.ok(members.length === 2 && members.every((m) => MASKED_ID.test(m.trim())), `the household page lists ${members.length} members, masked`, members);
	if (ctx.loopDone) await page.locator('[data-testid="household-timeline"] [data-testid="timeline-item"][data-source="visit"]').waitFor();
	const hsources = await page.locator('[data-testid="household-timeline"] [data-testid="timeline-item"]').evaluateAll((els) => els.map((e) => e.dataset.source));
	tap.ok(hsources.includes('visit') || !ctx.loopDone, `the household's timeline shows the worker's visit (${hsources.join(', ')})`, hsources);
}
