// The Desk review queue: a Sales Manager opens the Referral list's queue, approves one referral
// (whose qualifying sale already happened) and rejects another, each with a reason.
// Usage: node review_queue.mjs <base-url> <fixture-json> <artifacts-dir>
// Prints "RESULT {...}"; the server-side outcome is checked by the caller.
import { mkdirSync } from "node:fs";
import { login, openBrowser } from "./session.mjs";

const [base, fixtureJson, outDir] = process.argv.slice(2);
const fixture = JSON.parse(fixtureJson);
mkdirSync(outDir, { recursive: true });
const { browser, page } = await openBrowser(1000);
const result = { ok: true, steps: [], errors: [] };
page.on("pageerror", (error) => result.errors.push(String(error).slice(0, 300)));
const shot = async (name) => page.screenshot({ path: `${outDir}/review-${name}.png`, fullPage: true });

async function decide(referral, button, note, status) {
	await page.goto(`${base}/app/referral/${encodeURIComponent(referral)}`);
	await page.getByText("Under Review", { exact: true }).first().waitFor({ timeout: 30000 });
	await page.locator(".page-actions").getByRole("button", { name: button, exact: true }).click();
	const dialog = page.locator(".modal.show");
	await dialog.locator("textarea").fill(note);
	await dialog.getByRole("button", { name: "Submit" }).click();
	await dialog.waitFor({ state: "hidden", timeout: 30000 });
	// the reloaded form shows the new status and the decision with its reason
	await page.locator(".indicator-pill").filter({ hasText: status }).first().waitFor({ timeout: 30000 });
	await page.getByText(note).first().waitFor({ timeout: 30000 });
}

try {
	await login(page, base, fixture.user, fixture.password);
	await page.goto(`${base}/app/referral`);
	await page.getByRole("button", { name: "Review Queue" }).click({ timeout: 90000 }); // a cold Desk
	for (const name of [fixture.approve_name, fixture.reject_name]) {
		await page.getByText(name).first().waitFor({ timeout: 30000 });
	}
	await shot("queue");
	result.steps.push("queue lists both referrals under review");
	await decide(fixture.approve, "Approve", "Checked the receipt with the cashier", "Qualified");
	await shot("approved");
	result.steps.push("approved");
	await decide(fixture.reject, "Reject", "Same household as the referrer", "Rejected");
	await shot("rejected");
	result.steps.push("rejected");
} catch (error) {
	result.ok = false;
	result.error = String(error).slice(0, 600);
	await shot("failure").catch(() => {});
}
await browser.close();
console.log(`RESULT ${JSON.stringify(result)}`);
process.exit(result.ok ? 0 : 1);
