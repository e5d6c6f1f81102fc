// The "Referrals" workspace in a browser (Debian's chromium, playwright-core): from navigation
// until every number card shows its number, logged in as Administrator. Prints one JSON line.
//
//   node benchmarks/workspace.mjs <base url> [runs] [reference workspace path ...]
//
// The first opening loads the Desk's assets (a cold browser cache); the page loads after it are a
// manager opening the workspace's address again; "in the Desk" is a click from another page of
// the Desk to the workspace (no page load), timed until all seven cards have asked for their
// numbers again and show them. Each page load also records when the Desk had the workspace's data
// (get_desktop_page answered) and when it showed the workspace's first widget (its own boot and
// rendering, before any card asked for a number). Between the two, the Desk's block editor
// (Editor.js 2.26, a dependency of frappe 15) waits 500 ms on a timer before its first render.
//
// References, side by side: other workspaces of the same site (e.g. ERPNext's /app/selling, no
// number cards; /app/accounting, with cards), opened from their address the same way, timed until
// their first widget shows and, when they have number cards, until every card shows its number.
import { login, openBrowser } from "../browser-tests/session.mjs";

const [base, runsArg, ...referencePaths] = process.argv.slice(2);
const runs = Number(runsArg || 3);
const { browser, page } = await openBrowser();
const result = {
	url: `${base}/app/referrals`,
	cards: 0,
	cold_ms: null,
	warm_ms: [],
	first_widget_ms: [],
	page_data_ms: [],
	in_desk_ms: [],
	failed: 0,
	errors: [],
	references: {},
	calls: {},
};

async function cardsShown() {
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
}

async function firstWidgetShown() {
	await page.waitForFunction(() => document.querySelector(".codex-editor .ce-block .widget"), null, {
		timeout: 60000,
		polling: 20,
	});
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

// The server methods a page load called (``/api/method/...``), how many times each; a count of a
// DocType's records (a shortcut's) is named with its DocType and filters.
function recordCalls() {
	const calls = {};
	const seen = (request) => {
		const path = new URL(request.url()).pathname;
		if (!path.startsWith("/api/method/")) return;
		let name = path.slice("/api/method/".length);
		if (name === "frappe.desk.reportview.get_count") {
			const form = new URLSearchParams(request.postData() || "");
			name += ` ${form.get("doctype")} ${form.get("filters") || "(no filter)"}`;
		}
		calls[name] = (calls[name] || 0) + 1;
	};
	page.on("request", seen);
	return () => {
		page.off("request", seen);
		return calls;
	};
}

// A page load of ``url``: [ms until the first widget shows, ms until every number card shows its
// number (null without cards), ms until the Desk had the workspace's data (get_desktop_page
// answered; null when it was not asked, the page's data cached)].
async function load(url) {
	const started = Date.now();
	let pageData = null;
	const answered = (request) => {
		if (pageData === null && request.url().includes("/api/method/frappe.desk.desktop.get_desktop_page")) {
			pageData = Date.now() - started;
		}
	};
	page.on("requestfinished", answered);
	try {
		await page.goto(url, { waitUntil: "domcontentloaded" });
		await firstWidgetShown();
		const widget = Date.now() - started;
		if (!(await page.locator(".widget.number-widget-box").count())) return [widget, null, pageData];
		await cardsShown();
		return [widget, Date.now() - started, pageData];
	} finally {
		page.off("requestfinished", answered);
	}
}

async function openOnce() {
	const stop = recordCalls();
	const [widget, elapsed, pageData] = await load(result.url).finally(() => {
		result.calls = stop(); // the last page load's
	});
	if (elapsed === null) throw new Error("the workspace shows no number card");
	result.cards = await page.locator(".widget.number-widget-box").count();
	result.companies = await page.locator(".rl-card-company").allInnerTexts();
	return [widget, elapsed, pageData];
}

try {
	await login(page, base);
	for (let i = 0; i <= runs; i++) {
		try {
			const [widget, ms, pageData] = await openOnce();
			if (i === 0) result.cold_ms = ms;
			else {
				result.warm_ms.push(ms);
				result.first_widget_ms.push(widget);
				if (pageData !== null) result.page_data_ms.push(pageData);
			}
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
	for (const path of referencePaths) {
		const ref = { first_widget_ms: [], page_data_ms: [], cards_ms: [], failed: 0, errors: [] };
		result.references[path] = ref;
		for (let i = 0; i <= runs; i++) {
			try {
				const [widget, cards, pageData] = await load(`${base}${path}`);
				if (i === 0) continue; // its own first opening: the assets are cached already
				ref.first_widget_ms.push(widget);
				if (pageData !== null) ref.page_data_ms.push(pageData);
				if (cards !== null) ref.cards_ms.push(cards);
			} catch (error) {
				ref.failed += 1;
				ref.errors.push(String(error).slice(0, 300));
			}
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
result.first_widget_median_ms = median(result.first_widget_ms);
result.page_data_median_ms = median(result.page_data_ms);
result.in_desk_median_ms = median(result.in_desk_ms);
for (const ref of Object.values(result.references)) {
	ref.first_widget_median_ms = median(ref.first_widget_ms);
	ref.page_data_median_ms = median(ref.page_data_ms);
	ref.cards_median_ms = median(ref.cards_ms);
}
console.log(JSON.stringify(result));
