// t_pages.mjs — the other pages of the guide: the rules page (a rule's
// condition; an admin adds a dated parameter value and previews its impact
// with a dry-run scan that writes no alert), the
// station page (its inbox counts and records: the head adds a staff member)
// and the Excel export of a list.
import fs from 'node:fs';
import { tap, login, apiGet, screenshot } from './lib.mjs';

export async function testPages(env) {
	const { base, ctx } = env;

	// ---- rules: the list, a rule, a new parameter value and its impact
	// preview (a province-wide admin; officers see the list and the preview)
	const off = await env.open('rules');
	await login(off, base, 'admin', ctx.password);
	await off.getByTestId('nav-rules').click();
	await off.getByTestId('rules-table').waitFor();
	const n = await off.getByTestId('rule-row').count();
	tap.ok(n >= 18, `the rules page lists the pack's ${n} rules`);
	await off.locator('[data-testid="rule-row"][data-id="R18"] a').click();
	await off.getByTestId('rule-condition').waitFor();
	const cond = (await off.getByTestId('rule-condition').textContent()).trim();
	tap.ok(cond.includes('elderly_age'), `a rule's page shows its condition (R18: ${cond.slice(0, 50).replace(/\s+/g, ' ')}…)`);
	await off.goBack();
	await off.getByTestId('param-form').waitFor();
	// 高龄独居探访 from 75 instead of 80, from today, province-wide
	await off.getByTestId('param-name').selectOption('elderly_age');
	await off.getByTestId('param-from').fill(ctx.today);
	await off.getByTestId('param-area').fill('44');
	await off.getByTestId('param-value').fill('75');
	await off.getByTestId('param-source').fill('演示：拟将高龄独居探访年龄下调至75周岁（征求意见稿）');
	await off.getByTestId('param-submit').click();
	await off.getByTestId('param-saved').waitFor();
	const saved = await apiGet(off, '/params');
	const ea = (saved.json?.items || []).find((p) => p.name === 'elderly_age');
	tap.ok(ea && ea.values.some((v) => v.value === '75' && v.from === ctx.today), 'the admin adds a dated parameter value (elderly_age = 75 from today)', ea);
	const before = await apiGet(off, '/stats?area=44');
	await off.getByTestId('preview-run').click();
	await off.getByTestId('preview-result').waitFor({ timeout: 30000 });
	const pv = JSON.parse(await off.getByTestId('preview-result').getAttribute('data-figures'));
	const after = await apiGet(off, '/stats?area=44');
	tap.ok(pv.new_total > 0 && pv.new.R18 > 0 && pv.new_total === Object.values(pv.new).reduce((a, b) => a + b, 0),
		`the impact preview (a dry-run scan) counts the alerts the new value would raise (R18: ${pv.new.R18} new)`, pv);
	tap.ok(after.json.issued === before.json.issued, `the dry run writes no alert (issued stays ${before.json.issued})`);
	await off.getByTestId('rules-preview').evaluate((el) => el.scrollIntoView({ block: 'start' }));
	await off.evaluate(() => window.scrollBy(0, -12));
	await screenshot(off, 'rules-preview', { guide: true });

	// ---- Excel export of the alert list ----
	await off.getByTestId('nav-alerts').click();
	await off.getByTestId('alerts-table').waitFor();
	const [dl] = await Promise.all([off.waitForEvent('download'), off.getByTestId('export-xlsx').click()]);
	const file = await dl.path();
	const magic = fs.readFileSync(file).subarray(0, 4);
	tap.ok(dl.suggestedFilename().endsWith('.xlsx') && magic[0] === 0x50 && magic[1] === 0x4b,
		`the alert list exports as an Excel file (${dl.suggestedFilename()}, ${fs.statSync(file).size} bytes)`);

	// ---- the station: inbox counts and records (station head) ----
	const head = await env.open('station');
	await login(head, base, 'head', ctx.password);
	await head.getByTestId('nav-stations').click();
	await head.getByTestId('stations-table').waitFor();
	await head.locator(`[data-testid="station-row"][data-id="${ctx.station}"] a`).click();
	await head.locator(`[data-testid="station-page"][data-code="${ctx.station}"]`).waitFor();
	const counts = JSON.parse(await head.getByTestId('station-inbox-counts').getAttribute('data-figures'));
	const inbox = await apiGet(head, `/inbox?kind=station&code=${ctx.station}&limit=1`);
	tap.eq(counts, inbox.json?.counts, `the station page's inbox counts equal GET /inbox (open ${counts.open})`);
	await head.getByTestId('rec-name').fill('黎社工');
	await head.getByTestId('rec-qualification').selectOption('intermediate');
	await head.getByTestId('rec-phone').fill('13800138000');
	await head.getByTestId('record-submit').click();
	const row = head.locator('[data-testid="record-row"]', { hasText: '黎社工' });
	await row.waitFor();
	const rowText = await row.textContent();
	tap.ok(!rowText.includes('13800138000') && /138\*{4}8000/.test(rowText), 'the head adds a staff member; the phone is masked in the list', rowText);
	await screenshot(head, 'station', { guide: true });
}
