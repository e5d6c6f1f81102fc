// Copyright (c) 2026, referral_loyalty contributors
// For license information, please see license.txt

{% include "referral_loyalty/referral_loyalty/report/referral_report_filters.js" %}

frappe.query_reports["Referral ROI"] = {
	filters: [
		...referral_report_filters(),
		{
			fieldname: "days",
			label: __("Days After Enrolment"),
			fieldtype: "Int",
			default: 90,
			reqd: 1,
		},
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		return data && (data.is_total || data.is_walk_in) ? `<b>${value}</b>` : value;
	},
	onload(report) {
		report.page.add_inner_message(
			__(
				"Referees enrolled in the dates: their net sales and gross profit (net amount less the lines' valuation) in the days after enrolment, against the whole cost of their rewards (coupon discounts, points at money value, milestone bonuses). The last row: the company's other new customers of the same dates, in the same number of days after creation."
			)
		);
	},
};
