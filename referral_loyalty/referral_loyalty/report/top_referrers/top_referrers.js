// Copyright (c) 2026, referral_loyalty contributors
// For license information, please see license.txt

{% include "referral_loyalty/referral_loyalty/report/referral_report_filters.js" %}

frappe.query_reports["Top Referrers"] = {
	filters: [
		...referral_report_filters(),
		{
			fieldname: "top",
			label: __("Show Top"),
			fieldtype: "Int",
			default: 100,
			description: __("0 shows every code"),
		},
	],
	onload(report) {
		report.page.add_inner_message(
			__(
				"Referrals each code brought, by current status, and the referrer's rewards (coupons or points) paid and used. Dates are enrolment dates."
			)
		);
	},
};
