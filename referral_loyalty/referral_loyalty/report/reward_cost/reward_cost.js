// Copyright (c) 2026, referral_loyalty contributors
// For license information, please see license.txt

{% include "referral_loyalty/referral_loyalty/report/referral_report_filters.js" %}

frappe.query_reports["Reward Cost"] = {
	filters: referral_report_filters(),
	onload(report) {
		report.page.add_inner_message(
			__(
				"Reward coupons per offer and side. Discount Given is read from submitted invoices the coupon was applied on: the invoice's additional discount for a Grand Total offer, the item discount on the offer's lines for an item offer; returns are not netted off. Dates are the days coupons were issued."
			)
		);
	},
};
