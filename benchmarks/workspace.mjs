// The "Referrals" workspace in a browser (Debian's chromium, playwright-core): from navigation
// until every number card shows its number, logged in as Administrator. Prints one JSON line.
//
//   node benchmarks/workspace.mjs <base url> [runs]
//
// The first opening loads the Desk's assets (a cold browser cache); the page loads after it are a
// manager opening the workspace's address again; "in the Desk" is a click from another page of
// the Desk to the workspace (no page load), timed until all seven cards have asked for their
// numbers again and show them.
import { login, openBrowser } from "../browser-tests/session.mjs";

const [base, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 3);
const { browser, page } = await openBrowser();
const result = { url: `${base}/app/referrals`, cards: 0, cold_ms: null, warm_ms: [], in_desk_ms: [], failed: 0, errors: [] };

async function cardsShown() {
	await page.waitForFunction(
		() => {
			const cards = document.querySelectorAll(".widget.number-widget-box");
			if (!cards.length) return false;
			return [...cards].every((card) => card.querySelector(".number") && !card.querySelector(".number-card-loading"));
		},
		null,
		{ timeout: 60000, polling: 20 },
	);
}

async function openInDesk() {
	await page.evaluate(() => frappe.set_route("List", "Referral"));
	await page.waitForSelector(".frappe-list", { timeout: 60000 });
	let answered = 0;
	const counted = (response) => response.url().includes("referral_loyalty.api.dashboard.") && (answered += 1);
	page.on("response", counted);
	const started = Date.now();
	await page.evaluate(() => frappe.set_route("referrals"));
	await page.waitForFunction(() => location.pathname === "/app/referrals", null, { timeout: 60000 });
	const deadline = Date.now() + 60000;
	while (answered < result.cards) {
		if (Date.now() > deadline) throw new Error(`only ${answered} of ${result.cards} cards asked for their numbers`);
		await page.waitForTimeout(10);
	}
	await cardsShown();
	const elapsed = Date.now() - started;
	page.off("response", counted);
	return elapsed;
}

async function openOnce() {
	const started = Date.now();
	await page.goto(result.url, { waitUntil: "domcontentloaded" });
	// every card of the workspace has rendered its number (frappe shows "Loading..." until then)
	await cardsShown();
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
	for (let i = 0; i < runs; i++) {
		try {
			result.in_desk_ms.push(await openInDesk());
		} catch (error) {
			result.failed += 1;
			result.errors.push(String(error).slice(0, 300));
		}
	}
} finally {
	await browser.close();
}
const median = (values) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted.length ? sorted[Math.floor(sorted.length / 2)] : null;
};
result.median_ms = median(result.warm_ms);
result.in_desk_median_ms = median(result.in_desk_ms);
console.log(JSON.stringify(result));
