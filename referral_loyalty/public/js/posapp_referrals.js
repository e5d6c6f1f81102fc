// POS Awesome page extension (loaded through page_js, POS Awesome's files untouched):
// a live check of the referral code typed in the new-customer dialog, a "Find referrer" search
// beside it for a customer who came without the code, and the selected customer's own code with
// "X of Y used" and a card with the message to pass on (its QR and WhatsApp link) to show or print.
(function () {
	const CHECK = "referral_loyalty.api.referrals.check_code";
	const INFO = "referral_loyalty.api.referrals.customer_referral_info";
	const FIND = "referral_loyalty.api.referrals.find_referrer";
	const SHARE = "referral_loyalty.api.referrals.share_message";
	const MIN_NAME_LETTERS = 3;
	const MIN_MOBILE_DIGITS = 6;
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

	// --- "Find referrer": a search by mobile or name under the Referral Code field that fills it ---
	function serverMessage(r) {
		try {
			const messages = JSON.parse((r && r._server_messages) || "[]").map((m) => JSON.parse(m).message);
			if (messages.length) return frappe.utils.html2text(messages.join(" "));
		} catch (e) {
			// not a frappe answer: the generic message below
		}
		return __("Could not search now; please try again.");
	}

	function searchable(text) {
		if (/^[+\d\s().\-/]+$/.test(text)) return text.replace(/\D/g, "").length >= MIN_MOBILE_DIGITS;
		return Array.from(text).filter((ch) => /\p{L}/u.test(ch)).length >= MIN_NAME_LETTERS;
	}

	function fillCode(input, code) {
		input.value = code;
		input.dispatchEvent(new Event("input", { bubbles: true })); // v-model and the live check
		input.focus();
	}

	function addFinder(input) {
		const field = input.closest(".v-input") || input.parentElement;
		if (field.parentElement.querySelector(":scope > .rl-find-referrer")) return;
		const box = document.createElement("div");
		box.className = "rl-find-referrer";
		box.style.cssText = "font-size:12px;margin:4px 4px 0";
		const toggle = document.createElement("button");
		toggle.type = "button";
		toggle.className = "rl-find-referrer-toggle";
		toggle.textContent = __("Find referrer");
		toggle.style.cssText = "color:var(--primary,#2490ef);background:none;border:0;padding:0;cursor:pointer;text-decoration:underline";
		const panel = document.createElement("div");
		panel.className = "rl-find-referrer-panel";
		panel.style.cssText = "display:none;margin-top:4px";
		const search = document.createElement("input");
		search.type = "search";
		search.className = "rl-find-referrer-input";
		search.placeholder = __("Mobile number or name");
		search.setAttribute("aria-label", __("Find referrer by mobile number or name"));
		search.autocomplete = "off";
		search.style.cssText = "width:100%;border:1px solid var(--border-color,#ccc);border-radius:4px;padding:4px 6px";
		const status = document.createElement("div");
		status.className = "rl-find-referrer-status";
		status.setAttribute("role", "status");
		status.style.cssText = "margin-top:2px;color:var(--text-muted,#777)";
		const list = document.createElement("div");
		list.className = "rl-find-referrer-results";
		list.setAttribute("role", "listbox");
		panel.append(search, status, list);
		box.append(toggle, panel);
		field.after(box);

		let timer = null;
		let asked = "";
		toggle.addEventListener("click", () => {
			const open = panel.style.display === "none";
			panel.style.display = open ? "block" : "none";
			if (open) search.focus();
		});
		// keys typed here are the search's own: not the dialog's, not the scanner's, not shortcuts
		search.addEventListener("keydown", (event) => {
			event.stopPropagation();
			if (event.key === "Enter") {
				event.preventDefault();
				clearTimeout(timer);
				run(true);
			}
		});
		search.addEventListener("input", () => {
			clearTimeout(timer);
			timer = setTimeout(() => run(false), 400);
		});

		function run(force) {
			const text = search.value.trim();
			if (!force && text === asked) return;
			list.replaceChildren();
			if (!text) {
				status.textContent = "";
				asked = "";
				return;
			}
			if (!searchable(text)) {
				status.textContent = __("Type a full mobile number or at least {0} letters of a name.", [MIN_NAME_LETTERS]);
				return;
			}
			asked = text;
			status.textContent = __("Searching…");
			// "always" sees every answer: a refused search (too short, too many a minute) is told here
			frappe.call({
				method: FIND,
				args: { query: text },
				type: "GET",
				silent: true,
				always: (r) => {
					if (text !== asked) return;
					if (r && !r.exc && !r.exc_type) return show(r.message || []);
					asked = "";
					status.textContent = serverMessage(r);
				},
			});
		}

		function show(found) {
			list.replaceChildren();
			status.textContent = found.length ? __("Pick the customer who sent them:") : __("No customer with a referral code found.");
			for (const row of found) {
				const pick = document.createElement("button");
				pick.type = "button";
				pick.className = "rl-find-referrer-result";
				pick.setAttribute("role", "option");
				pick.dataset.code = row.code;
				pick.style.cssText =
					"display:block;width:100%;text-align:start;padding:4px 6px;margin-top:2px;cursor:pointer;" +
					"border:1px solid var(--border-color,#ddd);border-radius:4px;background:var(--card-bg,#fff)";
				const who = document.createElement("b");
				who.textContent = row.label;
				const rest = document.createElement("span");
				const mobile = row.hint ? ` · ${__("mobile …{0}", [row.hint])}` : "";
				rest.textContent = `${mobile} · ${row.code}`;
				pick.append(who, rest);
				pick.addEventListener("click", () => {
					fillCode(input, row.code);
					panel.style.display = "none";
					list.replaceChildren();
					status.textContent = "";
					search.value = "";
					asked = "";
				});
				list.append(pick);
			}
		}
	}

	let scan = null;
	new MutationObserver(() => {
		if (scan) return;
		scan = requestAnimationFrame(() => {
			scan = null;
			document.querySelectorAll(".v-overlay--active .v-input input").forEach((el) => isReferralInput(el) && addFinder(el));
		});
	}).observe(document.body, { childList: true, subtree: true });

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

	function shareBlock(share) {
		if (!share) return "";
		const esc = frappe.utils.escape_html;
		return `<p class="rl-share-message" dir="auto" lang="${esc(share.language)}" style="margin:12px 0 4px">${esc(share.text)}</p>
			<div class="rl-share-qr" style="margin:8px auto;max-width:220px">${share.qr_svg || ""}</div>
			<a class="rl-share-whatsapp btn btn-default btn-sm" href="${esc(share.whatsapp_url)}" target="_blank" rel="noopener">${__("Share on WhatsApp")}</a>`;
	}

	function openCard(customer) {
		window.referral_loyalty.customer_info(customer).then(async (info) => {
			const share = info.code ? await window.referral_loyalty.share_message(customer, info.company) : null;
			const d = new frappe.ui.Dialog({ title: __("Referral code of {0}", [customer]) });
			const body = info.code
				? `<div class="rl-card" style="text-align:center">
					<div style="font-size:28px;letter-spacing:2px;font-weight:600">${frappe.utils.escape_html(info.code)}</div>
					<div class="text-muted">${frappe.utils.escape_html(info.usage_label)}</div>
					${share ? shareBlock(share) : `<div style="margin:12px auto;max-width:220px">${info.qr_svg || ""}</div>`}</div>`
				: `<p>${__("This customer has no referral code yet.")}</p>`;
			d.$body.html(body);
			if (share) {
				d.set_secondary_action_label(__("Copy Message"));
				d.set_secondary_action(() => frappe.utils.copy_to_clipboard(share.text));
			}
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
	window.referral_loyalty.share_message = (customer, company) =>
		frappe.call({ method: SHARE, args: { customer, company }, type: "GET" }).then((r) => r.message);
})();
