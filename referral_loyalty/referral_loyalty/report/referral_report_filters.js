// Copyright (c) 2026, referral_loyalty contributors
// For license information, please see license.txt

// The filters every referral report shares. Each report's script includes this file with frappe's
// include directive, which frappe expands when it serves the report script.
function referral_report_filters() {
	return [
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
	];
}
