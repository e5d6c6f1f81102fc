// Referral list: status colours, and the review queue one click away.
frappe.listview_settings["Referral"] = {
	get_indicator(doc) {
		const colours = {
			Pending: "orange",
			"Under Review": "purple",
			Qualified: "green",
			Rejected: "red",
			Reversed: "grey",
			Expired: "grey",
		};
		return [__(doc.status), colours[doc.status] || "grey", "status,=," + doc.status];
	},
	onload(listview) {
		listview.page.add_inner_button(__("Review Queue"), () =>
			listview.filter_area.clear().then(() => listview.filter_area.add([["Referral", "status", "=", "Under Review"]]))
		);
	},
};
