// POS Profile: referral settings live in the "Referrals" section.
frappe.ui.form.on("POS Profile", {
	rl_auto_create_referral_code(frm) {
		if (frm.doc.rl_auto_create_referral_code) {
			frappe.show_alert({ message: __("New customers created at this POS will get a referral code."), indicator: "blue" });
		}
	},
});
