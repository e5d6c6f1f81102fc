// Copyright (c) 2026, referral_loyalty contributors
// For license information, please see license.txt

frappe.query_reports["Top Referrers"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
			reqd: 1,
		},
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
		},
		{
			fieldname: "referral_period",
			label: __("Referral Period"),
			fieldtype: "Link",
			options: "Referral Period",
			get_query: () => ({
				filters: { company: frappe.query_report.get_filter_value("company") },
			}),
		},
		{
			fieldname: "campaign",
			label: __("Campaign"),
			fieldtype: "Link",
			options: "Campaign",
		},
	],
	onload(report) {
		report.page.add_inner_message(
			__(
				"Referrals each code brought, by current status, and the referrer's reward coupons issued and used. Dates are enrolment dates."
			)
		);
	},
};
