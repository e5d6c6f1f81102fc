// Copyright (c) 2026, referral_loyalty contributors
// For license information, please see license.txt

{% include "referral_loyalty/referral_loyalty/report/referral_report_filters.js" %}

frappe.query_reports["Reward Cost"] = {
	filters: referral_report_filters(),
	onload(report) {
		report.page.add_inner_message(
			__(
				"Referral rewards per reward and side: held through the return window, issued, redeemed and withdrawn. Discount Given is read from submitted invoices the coupon was applied on (returns are not netted off); points cost their money value at the program's conversion factor, less what was taken back. Dates are the days rewards were issued."
			)
		);
	},
};
