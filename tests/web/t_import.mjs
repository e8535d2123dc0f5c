// t_import.mjs — the officer imports a department file through the import
// page: a small CSV of the 医保 settlements feed (yibao) with three good
// rows, one bad row (a date that does not exist) and one identity number
// that fails its check and names nobody (the review queue). The progress is
// watched to the end, the counts shown equal the job's counts
// (GET /api/v1/jobs/{id}), the rejected row is listed, and the review item
// is linked to the right person from the review queue.
import { tap, login, apiGet, screenshot, idCheck } from './lib.mjs';

export async function testImport(env) {
	const { base, ctx } = env;
	const [p1, p2, p3, p4, p5] = ctx.cityPersons;
	// p5's number with a wrong check character, under another name: no
	// automatic correction (the name differs), so it waits for review. The
	// rows carry 居住地区划: a review item without an area is seen by
	// province-wide users only
	const good = idCheck(p5.idno.slice(0, 17));
	const wrong = p5.idno.slice(0, 17) + (good === '0' ? '1' : '0');
	const rows = [
		['身份证号', '姓名', '结算单号', '结算日期', '医疗总费用', '统筹支付', '个人自付', '医疗机构', '居住地区划'],
		[p1.idno, p1.name, 'YBWEB0000001', '2026-10-08', '"1,280.50"', '960.00', '320.50', '广州市第一人民医院', p1.area],
		[p2.idno, p2.name, 'YBWEB0000002', '2026/10/15', '356.00', '250.00', '106.00', '增城区人民医院', p2.area],
		[p3.idno, p3.name, 'YBWEB0000003', '2026年10月21日', '8800', '6600', '2200', '广州市红十字会医院', p3.area],
		[p4.idno, p4.name, 'YBWEB0000004', '2026-02-30', '120.00', '90.00', '30.00', '增城区中医医院', p4.area],
		[wrong, '查无此名', 'YBWEB0000005', '2026-10-30', '99.00', '70.00', '29.00', '增城区人民医院', p5.area],
	];
	const file = { name: 'yibao-2026-10.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.map((r) => r.join(',')).join('\r\n') + '\r\n', 'utf8') };

	const page = await env.open('import');
	await login(page, base, 'officer', ctx.password);
	await page.getByTestId('nav-imports').click();
	await page.getByTestId('import-form').waitFor();
	await page.getByTestId('import-feed').fill('yibao');
	await page.getByTestId('import-file').setInputFiles(file);
	// record every state the progress box shows (it may be brief)
	await page.evaluate(() => {
		window.__progress = [];
		const seen = () => {
			const el = document.querySelector('[data-testid="import-progress"]');
			if (!el) return;
			const s = `${el.dataset.phase}:${el.dataset.state}`;
			if (window.__progress[window.__progress.length - 1] !== s) window.__progress.push(s);
		};
		new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, attributes: true });
	});
	const started = page.waitForResponse((r) => r.url().includes('/api/v1/imports?') && r.request().method() === 'POST');
	await page.getByTestId('import-submit').click();
	const resp = await started;
	const job = (await resp.json()).job;
	tap.ok(resp.status() === 202 && job > 0, `the upload starts import job ${job} (202)`, resp.status());
	await page.getByTestId('import-result').waitFor({ timeout: 30000 });
	const progress = await page.evaluate(() => window.__progress);
	const j = await apiGet(page, `/jobs/${job}`);
	tap.ok(progress.length > 0 && j.json?.state === 'done',
		`the progress went upload → job → done (${progress.join(' → ')} → ${j.json?.state})`, progress);
	const shown = JSON.parse(await page.getByTestId('import-counts').getAttribute('data-figures'));
	const res = j.json?.result || {};
	tap.eq(shown, res, 'the counts shown equal the job\'s counts (GET /api/v1/jobs/{id})');
	const pick = (o) => ({ rows: o.rows, accepted: o.accepted, unchanged: o.unchanged, updated: o.updated, rejected: o.rejected, review: o.review });
	tap.eq(pick(res), { rows: 5, accepted: 3, unchanged: 0, updated: 0, rejected: 1, review: 1 }, 'rows 5 = accepted 3 + rejected 1 + review 1');
	const figs = await page.locator('[data-testid="import-counts"] .fig-n').allTextContents();
	tap.eq(figs.slice(0, 6), ['5', '3', '0', '0', '1', '1'], 'the page shows those counts');
	const batch = Number(await page.getByTestId('import-result').getAttribute('data-batch'));
	tap.ok(batch === res.batch, `the result names batch ${batch}`);

	// the rejected row: its row number, the column and the reason
	const rej = page.locator('[data-testid="import-rejects"] [data-testid="reject-row"]');
	await rej.first().waitFor();
	const rejText = await rej.first().textContent();
	const api = await apiGet(page, `/imports/${batch}/rejects`);
	const r0 = (api.json?.items || [])[0] || {};
	tap.ok(await rej.count() === 1 && r0.row === 5 && rejText.includes('结算日期') && rejText.includes(String(r0.row)) && rejText.includes(r0.reason),
		`the rejected row is listed: row ${r0.row}, 结算日期, "${r0.reason}"`, { rejText, r0 });
	tap.ok(!rejText.includes(p4.idno) && rejText.includes(p4.idno.slice(-4)), 'the rejected row\'s identity number is masked');
	await page.getByTestId('import-upload').evaluate((el) => el.scrollIntoView({ block: 'start' }));
	await page.evaluate(() => window.scrollBy(0, -12));
	await screenshot(page, 'import', { guide: true });
	// the batch is listed
	await page.locator(`[data-testid="batch-row"][data-id="${batch}"]`).waitFor();
	tap.ok(true, `batch ${batch} is in the list of batches`);

	// the review queue: on this page (refreshed after the import) and on its
	// own page, which the result links to; link the item to the right person
	await page.locator('[data-testid="import-review"] [data-testid="review-row"]', { hasText: '查无此名' }).waitFor();
	tap.ok(true, 'the imports page\'s review queue shows the new item');
	await page.locator('[data-testid="import-result"] a[href="#/review"]').click();
	await page.getByTestId('review-queue').waitFor();
	const item = page.locator('[data-testid="review-row"]', { hasText: '查无此名' });
	await item.waitFor();
	tap.ok(!(await item.textContent()).includes(wrong), 'the review item is listed with its number masked');
	await item.getByTestId('review-link-input').fill(p5.idno);
	await screenshot(page, 'review', { guide: true });
	await item.getByTestId('review-link').click();
	await page.getByTestId('review-done').waitFor();
	const done = await page.getByTestId('review-done').textContent();
	// the queue reloads: the item leaves it
	const gone = await page.locator('[data-testid="review-row"]', { hasText: '查无此名' }).waitFor({ state: 'detached' }).then(() => true, () => false);
	tap.ok(/已关联/.test(done) && gone,
		`the officer links the review item to the person ("${done.trim()}")`);
}
