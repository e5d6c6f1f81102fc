// Copyright (c) 2026, referral_loyalty contributors
// For license information, please see license.txt

frappe.query_reports["Reward Cost"] = {
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
				"Reward coupons per offer and side. Discount Given is read from submitted invoices the coupon was applied on: the invoice's additional discount for a Grand Total offer, the item discount on the offer's lines for an item offer; returns are not netted off. Dates are the days coupons were issued."
			)
		);
	},
};
