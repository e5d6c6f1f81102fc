// Referral: a read-only ledger row. Managers approve a referral held for review, and reject one
// that has not been credited; each decision asks why and is recorded.
frappe.ui.form.on("Referral", {
	refresh(frm) {
		if (!frappe.model.can_write("Referral")) return;
		const decide = (method, label, title) =>
			frm.add_custom_button(label, () => {
				frappe.prompt(
					{ fieldname: "note", fieldtype: "Small Text", label: __("Why"), reqd: method === "reject" },
					({ note }) => frm.call(method, { note }).then(() => frm.reload_doc()),
					title
				);
			});
		if (frm.doc.status === "Under Review") {
			decide("approve", __("Approve"), __("Approve Referral"));
		}
		if (["Pending", "Under Review"].includes(frm.doc.status)) {
			decide("reject", __("Reject"), __("Reject Referral"));
		}
	},
});
