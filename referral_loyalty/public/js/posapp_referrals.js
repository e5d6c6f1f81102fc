// POS Awesome page extension (loaded through page_js, POS Awesome's files untouched):
// a live check of the referral code typed in the new-customer dialog, and the selected
// customer's own code with "X of Y used" and a QR to show or print.
(function () {
	const CHECK = "referral_loyalty.api.referrals.check_code";
	const INFO = "referral_loyalty.api.referrals.customer_referral_info";
	let timer = null;
	let lastChecked = "";

	function company() {
		return (window.frappe && frappe.defaults && frappe.defaults.get_user_default("Company")) || "";
	}

	function hintFor(input) {
		let hint = input.closest(".v-input, .v-field, div")?.parentElement?.querySelector(".rl-code-hint");
		if (!hint) {
			hint = document.createElement("div");
			hint.className = "rl-code-hint";
			hint.style.cssText = "font-size:12px;margin:2px 0 8px 4px";
			input.closest(".v-input, div").after(hint);
		}
		return hint;
	}

	function isReferralInput(el) {
		if (!(el instanceof HTMLInputElement)) return false;
		const label = el.closest(".v-input")?.querySelector("label")?.textContent || el.getAttribute("aria-label") || "";
		return /referral/i.test(label);
	}

	document.addEventListener("input", (event) => {
		const el = event.target;
		if (!isReferralInput(el)) return;
		clearTimeout(timer);
		const value = el.value.trim();
		const hint = hintFor(el);
		if (!value) {
			hint.textContent = "";
			return;
		}
		timer = setTimeout(() => {
			if (value === lastChecked) return;
			lastChecked = value;
			frappe
				.call({ method: CHECK, args: { code: value, company: company() }, type: "GET" })
				.then(({ message: r }) => {
					hint.style.color = r.valid ? "var(--green-600, green)" : "var(--red-600, red)";
					const offer = r.offer ? ` — ${r.offer.title}` : "";
					hint.textContent = `${r.message}${offer}`;
					hint.dataset.valid = r.valid ? "1" : "0";
				});
		}, 350);
	});

	window.referral_loyalty = window.referral_loyalty || {};
	window.referral_loyalty.customer_info = (customer) =>
		frappe.call({ method: INFO, args: { customer, company: company() }, type: "GET" }).then((r) => r.message);
})();
