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
