// POS Awesome page extension (loaded through page_js, POS Awesome's files untouched):
// a live check of the referral code typed in the new-customer dialog, and the selected
// customer's own code with "X of Y used" and a QR to show or print.
(function () {
	const CHECK = "referral_loyalty.api.referrals.check_code";
	const INFO = "referral_loyalty.api.referrals.customer_referral_info";
	let timer = null;
	let lastChecked = "";

	function hintFor(input) {
		const field = input.closest(".v-input") || input.parentElement;
		let hint = field.parentElement.querySelector(":scope > .rl-code-hint");
		if (!hint) {
			hint = document.createElement("div");
			hint.className = "rl-code-hint";
			hint.setAttribute("role", "status");
			hint.style.cssText = "font-size:12px;margin:4px 4px 0;line-height:1.3";
			field.after(hint);
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
				.call({ method: CHECK, args: { code: value }, type: "GET" })
				.then(({ message: r }) => {
					hint.style.color = r.valid ? "var(--green-600, green)" : "var(--red-600, red)";
					const offer = r.offer ? ` — ${r.offer.title}` : "";
					hint.textContent = `${r.message}${offer}`;
					hint.dataset.valid = r.valid ? "1" : "0";
				});
		}, 350);
	});

	// --- the selected customer's own code, "X of Y used", status, QR: a chip on the POS page ---
	let shownFor = null;
	let subscribed = false;

	function customersStore() {
		const root = document.querySelector(".main-section");
		const app = root && (root.__vue_app__ || root.querySelector("[data-v-app]")?.__vue_app__);
		const pinia = app && app.config.globalProperties.$pinia;
		return pinia && pinia._s && pinia._s.get("customers");
	}

	function chip() {
		let el = document.getElementById("rl-referral-chip");
		if (!el) {
			el = document.createElement("button");
			el.id = "rl-referral-chip";
			el.type = "button";
			el.style.cssText =
				"position:fixed;left:16px;bottom:12px;z-index:2000;border:1px solid var(--border-color,#ddd);" +
				"border-radius:16px;padding:4px 12px;background:var(--card-bg,#fff);font-size:12px;" +
				"box-shadow:0 1px 4px rgba(0,0,0,.15);cursor:pointer;display:none";
			el.addEventListener("click", () => shownFor && openCard(shownFor));
			document.body.appendChild(el);
		}
		return el;
	}

	function render(info) {
		const el = chip();
		if (!info) {
			el.style.display = "none";
			return;
		}
		const parts = [];
		parts.push(info.code ? __("Referral code {0} · {1}", [info.code, info.usage_label]) : __("No referral code"));
		if (info.referral_status) parts.push(__("Referred: {0}", [__(info.referral_status)]));
		el.textContent = parts.join(" — ");
		el.dataset.code = info.code || "";
		el.style.display = "inline-block";
	}

	function refresh(customer) {
		shownFor = customer;
		if (!customer) return render(null);
		window.referral_loyalty.customer_info(customer).then((info) => shownFor === customer && render(info));
	}

	function openCard(customer) {
		window.referral_loyalty.customer_info(customer).then((info) => {
			const d = new frappe.ui.Dialog({ title: __("Referral code of {0}", [customer]) });
			const body = info.code
				? `<div class="rl-card" style="text-align:center">
					<div style="font-size:28px;letter-spacing:2px;font-weight:600">${frappe.utils.escape_html(info.code)}</div>
					<div class="text-muted">${frappe.utils.escape_html(info.usage_label)}</div>
					<div style="margin:12px auto;max-width:220px">${info.qr_svg || ""}</div></div>`
				: `<p>${__("This customer has no referral code yet.")}</p>`;
			d.$body.html(body);
			if (info.code) {
				d.set_primary_action(__("Print"), () => {
					const w = window.open("", "_blank", "width=400,height=500");
					w.document.write(`<html><body onload="window.print()">${d.$body.find(".rl-card").prop("outerHTML")}</body></html>`);
					w.document.close();
				});
			} else {
				d.set_primary_action(__("Create Code"), () =>
					frappe
						.call("referral_loyalty.api.referrals.create_code_for_customer", { customer })
						.then(() => {
							d.hide();
							refresh(customer);
						})
				);
			}
			d.show();
		});
	}

	function watchCustomer() {
		if (subscribed) return;
		const store = customersStore();
		if (!store) return;
		subscribed = true;
		refresh(store.selectedCustomer);
		store.$subscribe(() => {
			if (store.selectedCustomer !== shownFor) refresh(store.selectedCustomer);
		});
	}
	const poll = setInterval(() => {
		watchCustomer();
		if (subscribed) clearInterval(poll);
	}, 1000);

	window.referral_loyalty = window.referral_loyalty || {};
	window.referral_loyalty.customer_info = (customer, company) =>
		frappe.call({ method: INFO, args: { customer, company }, type: "GET" }).then((r) => r.message);
})();
