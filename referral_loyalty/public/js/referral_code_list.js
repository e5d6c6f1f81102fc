// Referral Code list: a System Manager gives every customer of a company a code, in the background.
(() => {
	const settings = (frappe.listview_settings["Referral Code"] =
		frappe.listview_settings["Referral Code"] || {});
	const previous_onload = settings.onload;

	settings.onload = function (listview) {
		if (previous_onload) previous_onload.call(this, listview);
		if (!frappe.user.has_role("System Manager")) return;
		listview.page.add_inner_button(__("Backfill Referral Codes"), prompt_backfill);
		frappe.realtime.off("referral_backfill_done");
		frappe.realtime.on("referral_backfill_done", (data) => {
			frappe.hide_progress();
			frappe.show_alert({
				message: __("{0} referral codes created for {1}.", [data.created, data.company]),
				indicator: "green",
			});
			listview.refresh();
		});
	};

	function prompt_backfill() {
		frappe.prompt(
			[
				{
					fieldname: "company",
					label: __("Company"),
					fieldtype: "Link",
					options: "Company",
					reqd: 1,
					default: frappe.defaults.get_user_default("Company"),
				},
			],
			({ company }) =>
				frappe
					.call({
						method: "referral_loyalty.api.backfill.start_backfill",
						args: { company },
						freeze: true,
					})
					.then(({ message }) => {
						frappe.show_alert({
							message: message.message,
							indicator: message.queued ? "blue" : "orange",
						});
					}),
			__("Backfill Referral Codes"),
			__("Start")
		);
	}
})();
