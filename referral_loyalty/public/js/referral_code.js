// Referral Code form: the code as printed and its use count are virtual fields.
frappe.ui.form.on("Referral Code", {
	refresh(frm) {
		if (!frm.is_new()) {
			frm.set_intro(__("{0} — {1}", [frm.doc.rl_display_code, frm.doc.rl_usage]), "blue");
		}
		["customer_offer", "primary_offer"].forEach((field) =>
			frm.set_query(field, () => ({ filters: { company: frm.doc.company, coupon_based: 1, disable: 0 } }))
		);
	},
});
