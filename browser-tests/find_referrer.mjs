// "Find referrer" on POS Awesome's own page, in Debian's chromium (playwright-core): a new customer
// who came without their friend's code; the cashier finds the friend by name in the new-customer
// dialog, picks them, sees the code filled and checked, and creates the customer; the new customer's
// own card then offers the message they pass on.
// Usage: node find_referrer.mjs <base-url> <fixture-json> <artifacts-dir>
// Prints one JSON line "RESULT {...}" with what it saw; scripts/browser_test.sh checks the server side.
import { mkdirSync } from "node:fs";
import { login, openBrowser, waitForPosReady } from "./session.mjs";

const [base, fixtureJson, outDir] = process.argv.slice(2);
const fixture = JSON.parse(fixtureJson);
mkdirSync(outDir, { recursive: true });
const result = { scenario: "find-referrer", steps: [] };
let step = 0;

const { browser, page } = await openBrowser(900);

async function shot(label) {
	step += 1;
	const file = `${outDir}/find-referrer-${String(step).padStart(2, "0")}-${label}.png`;
	await page.screenshot({ path: file });
	result.steps.push({ step, label, file });
}

try {
	await login(page, base);
	await page.goto(`${base}/app/posapp`);
	await page.getByText("Customer Details").waitFor({ timeout: 90000 });
	await page.locator("td", { hasText: fixture.item }).first().waitFor({ timeout: 60000 });
	await waitForPosReady(page);

	// A new customer who does not have the code with them
	await page.locator(".mdi-plus").first().click();
	const name = `RL Browser Found ${Date.now()}`;
	result.customer_name = name;
	await page.getByLabel("Customer Name *").fill(name);
	await page.getByLabel("Mobile No").fill(`555${String(Date.now()).slice(-7)}`);
	const codeField = page.getByLabel("Referral Code");
	result.code_before = await codeField.inputValue();

	// "Find referrer" beside the Referral Code field: the friend's name, typed as a cashier would
	await page.getByRole("button", { name: "Find referrer" }).click();
	const search = page.getByRole("searchbox", { name: /find referrer/i });
	await search.pressSequentially(fixture.query, { delay: 40 });
	const results = page.locator(".rl-find-referrer-result");
	await results.first().waitFor({ timeout: 20000 });
	await page.waitForTimeout(500); // the list is complete once shown; let a late answer show too
	result.results = await results.allInnerTexts();
	await shot("referrer-found");
	await results.filter({ hasText: fixture.label }).first().click();

	// The code is filled and checked live, as if typed
	await page.waitForFunction(
		(code) => [...document.querySelectorAll("input")].some((el) => el.value === code),
		fixture.code,
		{ timeout: 10000 }
	);
	result.code_filled = await codeField.inputValue();
	const hint = page.locator('.rl-code-hint[data-valid="1"]');
	await hint.waitFor({ timeout: 20000 });
	result.live_check = await hint.innerText();
	await shot("code-filled");

	// Create the customer: the rest of the flow is POS Awesome's, through the app
	await page.getByRole("button", { name: /submit/i }).click();
	const toast = page.locator(".alert-message, .desk-alert", { hasText: /Referral accepted/ });
	await toast.first().waitFor({ timeout: 30000 });
	result.outcome_message = await toast.first().innerText();
	await shot("customer-created");

	// The new customer, selected for the sale, has a code of their own (the till's profile gives one):
	// their card offers the message to pass on, with its QR and WhatsApp link
	const chip = page.locator("#rl-referral-chip");
	await page.waitForFunction(
		() => {
			const el = document.querySelector("#rl-referral-chip");
			return el && el.dataset.code && el.style.display !== "none";
		},
		null,
		{ timeout: 30000 }
	);
	result.own_code = await chip.getAttribute("data-code");
	await chip.click();
	const card = page.locator(".modal-dialog", { has: page.locator(".rl-card") });
	await card.locator(".rl-share-message").waitFor({ timeout: 20000 });
	result.card_title = await card.locator(".modal-title").innerText();
	result.share_message = await card.locator(".rl-share-message").innerText();
	result.share_link = await card.locator(".rl-share-whatsapp").getAttribute("href");
	result.share_qr = await card.locator(".rl-share-qr svg").count();
	await shot("own-card");
	result.ok = true;
} catch (error) {
	result.ok = false;
	result.error = String(error).slice(0, 800);
	try {
		await shot("failure");
	} catch {}
}
await browser.close();
console.log(`RESULT ${JSON.stringify(result)}`);
process.exit(result.ok ? 0 : 1);
