// t_lang.mjs — switching to English: the login page, then the header (the
// navigation, the role, the search button), the page's title and
// <html lang>; the choice survives a reload; and back to Chinese.
import { tap, login } from './lib.mjs';

const NAV_EN = { dashboard: 'Overview', inbox: 'Inbox', alerts: 'Alerts', imports: 'Imports', rules: 'Rules', stations: 'Stations' };
const NAV_ZH = { dashboard: '概览', inbox: '待办', alerts: '预警', imports: '数据导入', rules: '规则', stations: '社工站' };

async function nav(page) {
	const out = {};
	for (const id of Object.keys(NAV_EN)) out[id] = (await page.getByTestId(`nav-${id}`).textContent()).trim();
	return out;
}

export async function testLang(env) {
	const { base, ctx } = env;
	const page = await env.open('language');
	// the login page
	await page.goto(`${base}/`);
	await page.getByTestId('login-form').waitFor();
	await page.getByTestId('lang-select').selectOption('en');
	await page.locator('html[lang="en"]').waitFor();
	await page.locator('[data-testid="login-username"]').waitFor();
	await page.waitForFunction(() => !/[\u4e00-\u9fff]/.test(document.querySelector('[data-testid="login-submit"]').textContent));
	const submit = (await page.getByTestId('login-submit').textContent()).trim();
	tap.ok(submit === 'Log in', `the login page in English ("${submit}")`);
	await page.getByTestId('lang-select').selectOption('zh-CN');
	await page.locator('html[lang="zh-CN"]').waitFor();

	await login(page, base, 'officer', ctx.password);
	await page.getByTestId('dashboard').waitFor();
	tap.eq(await nav(page), NAV_ZH, 'the navigation in Chinese by default');
	await page.getByTestId('lang-select').selectOption('en');
	await page.locator('html[lang="en"]').waitFor();
	// (the catalogue is loaded, then the page renders again)
	await page.waitForFunction(() => !/[\u4e00-\u9fff]/.test(document.querySelector('header nav').textContent));
	tap.eq(await nav(page), NAV_EN, 'switching to English: the navigation in English');
	const role = (await page.getByTestId('user-role').textContent()).trim();
	const go = (await page.getByTestId('search-submit').textContent()).trim();
	const h1 = (await page.locator('h1').first().textContent()).trim();
	tap.ok(role === 'Civil-affairs officer' && go === 'Search' && h1.startsWith('Overview:'),
		`the role, the search button and the dashboard's title in English ("${role}", "${go}", "${h1}")`);
	tap.ok(/[A-Za-z]/.test(await page.title()) && !/[\u4e00-\u9fff]{2}/.test(await page.getByTestId('dash-figures').textContent()),
		'the page title and the figures\' labels in English');
	// the choice is remembered
	await page.reload();
	await page.getByTestId('dashboard').waitFor();
	tap.eq((await nav(page)).inbox, 'Inbox', 'after a reload the UI stays in English');
	await page.getByTestId('nav-inbox').click();
	await page.getByTestId('inbox-title').waitFor();
	await page.getByTestId('lang-select').selectOption('zh-CN');
	await page.locator('html[lang="zh-CN"]').waitFor();
	await page.waitForFunction(() => /[\u4e00-\u9fff]/.test(document.querySelector('header nav').textContent));
	tap.eq((await nav(page)).inbox, '待办', 'and back to Chinese');
}
