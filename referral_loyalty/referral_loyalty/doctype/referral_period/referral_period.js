// Referral Period: offers filtered to coupon-based ones of the company; a live preview of the copy.
frappe.ui.form.on("Referral Period", {
	setup(frm) {
		["referee_offer", "referrer_offer"].forEach((field) =>
			frm.set_query(field, () => ({ filters: { company: frm.doc.company, coupon_based: 1, disable: 0 } }))
		);
	},
	refresh(frm) {
		frm.trigger("render_preview");
	},
	render_preview(frm) {
		const rows = frm.doc.copy || [];
		const html = rows
			.map(
				(row) => `<div class="referral-copy-preview" lang="${frappe.utils.escape_html(row.language || "")}"
				style="border:1px solid var(--border-color);border-radius:8px;padding:12px;margin-bottom:8px">
				<div class="text-muted small">${frappe.utils.escape_html(row.language || "")}</div>
				${row.image_url ? `<img src="${encodeURI(row.image_url)}" style="max-height:80px">` : ""}
				<h4>${frappe.utils.escape_html(row.title || "")}</h4>
				<p>${frappe.utils.escape_html(row.description || "")}</p>
				<p class="small text-muted">${frappe.utils.escape_html(row.terms || "")}</p></div>`
			)
			.join("");
		frm.get_field("preview").$wrapper.html(html || `<p class="text-muted">${__("Add copy per language to preview it.")}</p>`);
	},
});
frappe.ui.form.on("Referral Period Copy", {
	title: (frm) => frm.trigger("render_preview"),
	description: (frm) => frm.trigger("render_preview"),
	language: (frm) => frm.trigger("render_preview"),
	copy_remove: (frm) => frm.trigger("render_preview"),
});
