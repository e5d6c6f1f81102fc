// What every browser check starts with: Debian's chromium, headless, and a Desk login.
import { chromium } from "playwright-core";

export async function openBrowser(height = 900) {
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
		headless: true,
		args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
			"--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
	});
	const page = await (await browser.newContext({ viewport: { width: 1440, height } })).newPage();
	return { browser, page };
}

export async function login(page, base, user = "Administrator", password = "admin") {
	await page.goto(`${base}/login`);
	await page.fill("#login_email", user);
	await page.fill("#login_password", password);
	await page.click(".btn-login");
	await page.waitForURL(/\/app/, { timeout: 60000 });
}

// What the page was doing, for the RESULT of a failed check: requests still waiting for an
// answer (and for how long), failed requests, script errors and console errors.
export function watchPage(page) {
	const pending = new Map();
	const failed = [];
	const errors = [];
	const started = Date.now();
	const at = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
	page.on("request", (r) => pending.set(r, Date.now()));
	page.on("requestfinished", (r) => pending.delete(r));
	page.on("requestfailed", (r) => {
		pending.delete(r);
		failed.push(`${at()} ${r.method()} ${r.url()} ${r.failure()?.errorText || ""}`);
	});
	page.on("pageerror", (e) => errors.push(`${at()} ${String(e).slice(0, 300)}`));
	page.on("console", (m) => m.type() === "error" && errors.push(`${at()} console: ${m.text().slice(0, 300)}`));
	return () => ({
		pending: [...pending].map(([r, t]) => `${r.method()} ${r.url()} (${Math.round((Date.now() - t) / 1000)} s)`).slice(0, 20),
		failed: failed.slice(-20),
		errors: errors.slice(-20),
	});
}

// POS Awesome goes on starting up behind a loading overlay (catalogue, customers, then a new sale)
// after its page shows; a customer created meanwhile is dropped when that new sale starts. A
// cashier begins once the POS is ready: no overlay and the customers loaded, for a moment.
export async function waitForPosReady(page, timeout = 120000) {
	await page.waitForFunction(
		() => {
			const label = document.querySelector(".customer-autocomplete label")?.textContent?.trim();
			const busy = document.querySelector(".loading-overlay, .customer-load-status") || label !== "Customer";
			if (busy) {
				window.__rlReadySince = 0;
				return false;
			}
			window.__rlReadySince = window.__rlReadySince || Date.now();
			return Date.now() - window.__rlReadySince > 1500;
		},
		null,
		{ timeout, polling: 200 }
	);
}
