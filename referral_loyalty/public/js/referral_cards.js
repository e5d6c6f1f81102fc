// Copyright (c) 2026, referral_loyalty contributors
// For license information, please see license.txt

// The referral workspace cards name the company they counted: a card method of this app answers
// `company_label` beside its value (see api/dashboard.py), shown under the number. Their
// definitions come with the boot (`frappe.boot.rl_number_cards`), so each card asks the server for
// its number only. Other cards are untouched: the widget factory's number card is extended, not
// changed.
frappe.provide("frappe.widget.widget_factory");
(() => {
	const NumberCard = frappe.widget.widget_factory.number_card;
	if (!NumberCard || NumberCard.rl_names_company) return;

	class ReferralNumberCard extends NumberCard {
		make_card() {
			const card = (frappe.boot.rl_number_cards || {})[this.number_card_name || this.name];
			if (!card) return super.make_card();
			this.card_doc = Object.assign({ doctype: "Number Card" }, card);
			this.render_card();
			this.set_events();
		}

		render_number() {
			super.render_number();
			const label = this.data && this.data.company_label;
			if (!label || !(this.card_doc.method || "").startsWith("referral_loyalty.")) return;
			$(this.body)
				.find(".widget-content")
				.append(
					$('<div class="rl-card-company text-muted small"></div>').text(
						__("Company: {0}", [label])
					)
				);
		}
	}
	ReferralNumberCard.rl_names_company = true;
	frappe.widget.widget_factory.number_card = ReferralNumberCard;
})();
