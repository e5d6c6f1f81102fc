// Customer form: the customer's own referral code ("X of Y used") and who referred them.
frappe.ui.form.on("Customer", {
	refresh(frm) {
		if (frm.is_new()) return;
		frappe
			.call("referral_loyalty.api.referrals.customer_referral_info", { customer: frm.doc.name })
			.then(({ message: info }) => {
				if (!info) return;
				if (info.code) {
					frm.dashboard.add_comment(
						__("Referral code {0} — {1}", [info.code.bold(), info.usage_label]),
						"blue",
						true
					);
				}
				if (info.referred_by) {
					frm.dashboard.add_comment(
						__("Referred by {0} ({1})", [info.referred_by.bold(), __(info.referral_status)]),
						info.referral_status === "Rejected" ? "red" : "green",
						true
					);
				}
			});
	},
});
