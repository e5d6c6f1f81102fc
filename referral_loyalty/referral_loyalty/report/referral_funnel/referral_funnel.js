// Copyright (c) 2026, referral_loyalty contributors
// For license information, please see license.txt

{% include "referral_loyalty/referral_loyalty/report/referral_report_filters.js" %}

frappe.query_reports["Referral Funnel"] = {
	filters: referral_report_filters(),
	onload(report) {
		report.page.add_inner_message(
			__(
				"How far referrals got: a referral counts in every stage it reached (enrolled, pending = passed the enrolment checks, qualified, rewarded = referrer coupon issued, redeemed = that coupon used). Dates are enrolment dates."
			)
		);
	},
};
