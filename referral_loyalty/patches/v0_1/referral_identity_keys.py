"""Fill the referee's identity keys (normalised mobile and e-mail) on referrals enrolled before they
were stored, from the referee's current contact data."""

import frappe
from frappe.query_builder import DocType

from referral_loyalty.rules.eligibility import Identity

BATCH = 1000


def execute():
	recompute(only_missing=True)


def recompute(only_missing: bool) -> None:
	"""Keys from the referee's contact data, read with the shop's country (see
	``services.enrolment.region_of``)."""
	from referral_loyalty.services.enrolment import region_of

	referral, customer = DocType("Referral"), DocType("Customer")
	after = ""
	while True:
		query = (
			frappe.qb.from_(referral)
			.join(customer)
			.on(customer.name == referral.referee)
			.select(referral.name, referral.company, customer.mobile_no, customer.email_id)
			.where(referral.name > after)
			.orderby(referral.name)
			.limit(BATCH)
		)
		if only_missing:
			query = query.where(referral.referee_mobile_key.isnull() & referral.referee_email_key.isnull())
		rows = query.run(as_dict=True)
		if not rows:
			return
		after = rows[-1].name
		updates = {}
		for row in rows:
			identity = Identity.of(row.mobile_no, row.email_id, region_of(row.company))
			updates[row.name] = {
				"referee_mobile_key": identity.mobile or None,
				"referee_email_key": identity.email or None,
			}
		frappe.db.bulk_update("Referral", updates, update_modified=False)
