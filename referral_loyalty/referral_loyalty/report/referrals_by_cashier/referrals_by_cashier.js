// Copyright (c) 2026, referral_loyalty contributors
// For license information, please see license.txt

{% include "referral_loyalty/referral_loyalty/report/referral_report_filters.js" %}

frappe.query_reports["Referrals by Cashier"] = {
	filters: referral_report_filters(),
	onload(report) {
		report.page.add_inner_message(
			__(
				"Referrals per user who created the referred customer and POS Profile: enrolled, rejected, held for review and qualified. Dates are enrolment dates."
			)
		);
	},
};
