"""Sales Invoice and POS Invoice doc_events (not a class override: POS Awesome overrides POS Invoice)."""

from referral_loyalty.services import coupons, qualification, redemption, reversal, sales


def validate(doc, method=None):
	if doc.docstatus == 1:  # being submitted: before POS Awesome's before_submit counts coupon use
		coupons.refuse_withdrawn(doc)


def on_submit(doc, method=None):
	if doc.get("is_consolidated"):  # POS Invoices merged into a Sales Invoice were counted already
		return
	try:
		sales.record(doc)  # first: the crediting this sale may lead to moves its rows along
		if doc.get("is_return"):
			reversal.on_return(doc)
		elif doc.get("customer"):
			qualification.on_sale(doc)
			redemption.on_sale(doc)
	finally:
		sales.forget_reads(doc)


def before_cancel(doc, method=None):
	if not doc.get("is_consolidated") and not doc.get("is_return"):
		redemption.before_cancel(doc)  # ERPNext deletes the sale's point redemptions on cancel


def on_cancel(doc, method=None):
	if doc.get("is_consolidated"):
		return
	try:
		reversal.on_cancel(doc)
		if not doc.get("is_return"):
			redemption.on_cancel(doc)
		sales.forget(doc)
	finally:
		sales.forget_reads(doc)
