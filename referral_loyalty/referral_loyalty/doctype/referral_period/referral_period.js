// Referral Period: offers filtered to coupon-based ones of the company, the loyalty program to the
// company's; a live preview of what each side gets (one sentence per reward) and of the copy.
frappe.ui.form.on("Referral Period", {
	setup(frm) {
		["referee_offer", "referrer_offer"].forEach((field) =>
			frm.set_query(field, () => ({ filters: { company: frm.doc.company, coupon_based: 1, disable: 0 } }))
		);
		frm.set_query("offer", "milestones", () => ({
			filters: { company: frm.doc.company, coupon_based: 1, disable: 0 },
		}));
		frm.set_query("loyalty_program", () => ({ filters: { company: frm.doc.company } }));
	},
	refresh(frm) {
		frm.trigger("render_preview");
	},
	render_preview(frm) {
		const esc = frappe.utils.escape_html;
		const rewards = reward_sentences(frm.doc)
			.map((line) => `<li>${esc(line)}</li>`)
			.join("");
		const rows = frm.doc.copy || [];
		const copy = rows
			.map(
				(row) => `<div class="referral-copy-preview" lang="${esc(row.language || "")}"
				style="border:1px solid var(--border-color);border-radius:8px;padding:12px;margin-bottom:8px">
				<div class="text-muted small">${esc(row.language || "")}</div>
				${row.image_url ? `<img src="${encodeURI(row.image_url)}" style="max-height:80px">` : ""}
				<h4>${esc(row.title || "")}</h4>
				<p>${esc(row.description || "")}</p>
				<p class="small text-muted">${esc(row.terms || "")}</p></div>`
			)
			.join("");
		frm.get_field("preview").$wrapper.html(
			`<div class="referral-reward-preview"><h5>${__("What each side gets")}</h5><ul>${rewards}</ul></div>` +
				(copy || `<p class="text-muted">${__("Add copy per language to preview it.")}</p>`)
		);
	},
});

function reward_text(type, offer, points) {
	if (type === "Loyalty Points") {
		return points ? __("{0} loyalty points", [points]) : __("loyalty points (enter how many)");
	}
	return offer ? __("a coupon for the offer {0}", [offer]) : __("a coupon (choose its offer)");
}

function reward_sentences(doc) {
	const lines = [];
	const referee = doc.reward_mode !== "Referrer only";
	const referrer = doc.reward_mode !== "Referee only";
	if (referee) {
		lines.push(
			__("The new customer gets {0} when they are created with a referral code.", [
				reward_text(doc.referee_reward_type, doc.referee_offer, doc.referee_points),
			])
		);
	}
	if (referrer) {
		const when =
			doc.qualification === "On enrolment"
				? __("as soon as the new customer is enrolled")
				: doc.qualify_within_days
				? __("after the new customer's first purchase of at least {0} within {1} days", [
						format_currency(doc.min_purchase_amount || 0),
						doc.qualify_within_days,
				  ])
				: __("after the new customer's first purchase of at least {0}", [
						format_currency(doc.min_purchase_amount || 0),
				  ]);
		const hold = doc.reward_hold_days ? " " + __("It is held {0} days after that purchase, the return window.", [doc.reward_hold_days]) : "";
		lines.push(
			__("The referrer gets {0} {1}.", [reward_text(doc.referrer_reward_type, doc.referrer_offer, doc.referrer_points), when]) +
				hold
		);
	}
	(doc.milestones || [])
		.slice()
		.sort((a, b) => a.qualified_referrals - b.qualified_referrals)
		.forEach((row) =>
			lines.push(
				__("At {0} qualified referrals in this period, the referrer also gets {1}.", [
					row.qualified_referrals,
					reward_text(row.reward_type, row.offer, row.points),
				])
			)
		);
	if (doc.referrer_cap) {
		lines.push(__("A referrer is rewarded for at most {0} referrals in this period.", [doc.referrer_cap]));
	}
	return lines;
}

const refresh_preview = (frm) => frm.trigger("render_preview");
frappe.ui.form.on(
	"Referral Period",
	Object.fromEntries(
		[
			"reward_mode",
			"referee_reward_type",
			"referee_offer",
			"referee_points",
			"referrer_reward_type",
			"referrer_offer",
			"referrer_points",
			"qualification",
			"min_purchase_amount",
			"qualify_within_days",
			"reward_hold_days",
			"referrer_cap",
		].map((field) => [field, refresh_preview])
	)
);
frappe.ui.form.on("Referral Period Copy", {
	title: refresh_preview,
	description: refresh_preview,
	language: refresh_preview,
	copy_remove: refresh_preview,
});
frappe.ui.form.on("Referral Period Milestone", {
	qualified_referrals: refresh_preview,
	reward_type: refresh_preview,
	offer: refresh_preview,
	points: refresh_preview,
	milestones_remove: refresh_preview,
});
