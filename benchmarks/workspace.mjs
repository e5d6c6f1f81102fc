// The "Referrals" workspace in a browser (Debian's chromium, playwright-core): from navigation
// until every number card shows its number, logged in as Administrator. Prints one JSON line.
//
//   node benchmarks/workspace.mjs <base url> [runs]
//
// The first opening loads the Desk's assets (a cold browser cache); the runs after it are what a
// manager sees when coming back to the workspace. Each run is a new navigation of the same tab.
import { login, openBrowser } from "../browser-tests/session.mjs";

const [base, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 3);
const { browser, page } = await openBrowser();
const result = { url: `${base}/app/referrals`, cards: 0, cold_ms: null, warm_ms: [], failed: 0, errors: [] };

async function openOnce() {
	const started = Date.now();
	await page.goto(result.url, { waitUntil: "domcontentloaded" });
	// every card of the workspace has rendered its number (frappe shows "Loading..." until then)
	await page.waitForFunction(
		() => {
			const cards = document.querySelectorAll(".widget.number-widget-box");
			if (!cards.length) return false;
			return [...cards].every((card) => card.querySelector(".number") && !card.querySelector(".number-card-loading"));
		},
		null,
		{ timeout: 60000, polling: 20 },
	);
	const elapsed = Date.now() - started;
	result.cards = await page.locator(".widget.number-widget-box").count();
	result.companies = await page.locator(".rl-card-company").allInnerTexts();
	return elapsed;
}

try {
	await login(page, base);
	for (let i = 0; i <= runs; i++) {
		try {
			const ms = await openOnce();
			if (i === 0) result.cold_ms = ms;
			else result.warm_ms.push(ms);
		} catch (error) {
			result.failed += 1;
			result.errors.push(String(error).slice(0, 300));
		}
	}
} finally {
	await browser.close();
}
const sorted = [...result.warm_ms].sort((a, b) => a - b);
result.median_ms = sorted.length ? sorted[Math.floor(sorted.length / 2)] : null;
console.log(JSON.stringify(result));
