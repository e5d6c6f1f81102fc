// Referral: read-only ledger row; managers may reject a Pending one.
frappe.ui.form.on("Referral", {
	refresh(frm) {
		if (frm.doc.status === "Pending" && frappe.model.can_write("Referral")) {
			frm.add_custom_button(__("Reject"), () => {
				frappe.prompt(
					{ fieldname: "note", fieldtype: "Small Text", label: __("Note") },
					({ note }) => frm.call("reject", { note }).then(() => frm.reload_doc()),
					__("Reject Referral")
				);
			});
		}
	},
});
