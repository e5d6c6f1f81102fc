// The Desk side renders: the Referrals workspace with its number cards, the forms and the reports.
// Usage: node desk_screens.mjs <base-url> <fixture-json> <artifacts-dir>
// Prints "RESULT {...}" with one entry per page: what was expected on it and whether it was seen.
import { mkdirSync } from "node:fs";
import { login, openBrowser } from "./session.mjs";

const [base, fixtureJson, outDir] = process.argv.slice(2);
const fixture = JSON.parse(fixtureJson);
mkdirSync(outDir, { recursive: true });
const { browser, page } = await openBrowser(1000);
const pages = [
	// every card, and the company each one counted (named under its number)
	["workspace", "/app/referrals", ["Active Referral Codes", "Pending Referrals", "Qualified This Period", "Reward Cost This Period",
		"Referrals Under Review", "Referrer Share Rate", "Viral Factor", "Company: "]],
	["referral-period", `/app/referral-period/${encodeURIComponent(fixture.period)}`, ["Reward Mode", "Copy per Language", fixture.copy_title]],
	["referral-code", `/app/referral-code/${encodeURIComponent(fixture.code_name)}`, [fixture.code, "Usage Limit"]],
	["customer", `/app/customer/${encodeURIComponent(fixture.referrer)}`, ["Referral code", fixture.code]],
	["referral", `/app/referral/${encodeURIComponent(fixture.referral)}`, ["Referee", "Qualifying Invoice"]],
	["report-funnel", `/app/query-report/Referral Funnel?company=${encodeURIComponent(fixture.company)}`, ["Referral Funnel"]],
	["report-top-referrers", `/app/query-report/Top Referrers?company=${encodeURIComponent(fixture.company)}`, ["Top Referrers", fixture.referrer]],
	["report-reward-cost", `/app/query-report/Reward Cost?company=${encodeURIComponent(fixture.company)}`, ["Reward Cost", "Points Value"]],
	["report-roi", `/app/query-report/Referral ROI?company=${encodeURIComponent(fixture.company)}`, ["Referral ROI", "Other new customers (no referral)", "Net Return"]],
	["report-by-cashier", `/app/query-report/Referrals by Cashier?company=${encodeURIComponent(fixture.company)}`, ["Referrals by Cashier", "Under Review %"]],
];
const result = { ok: true, pages: [] };
try {
	await login(page, base);
	for (const [label, path, expected] of pages) {
		await page.goto(base + path);
		const missing = [];
		for (const text of expected) {
			try {
				await page.getByText(text, { exact: false }).first().waitFor({ timeout: 20000 });
			} catch {
				missing.push(text);
			}
		}
		await page.waitForTimeout(1000);
		const file = `${outDir}/desk-${label}.png`;
		await page.screenshot({ path: file, fullPage: true });
		result.pages.push({ label, path, missing, file });
		if (missing.length) result.ok = false;
	}
} catch (error) {
	result.ok = false;
	result.error = String(error).slice(0, 600);
}
await browser.close();
console.log(`RESULT ${JSON.stringify(result)}`);
process.exit(result.ok ? 0 : 1);
