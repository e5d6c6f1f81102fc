"""Referral Code ``rl_first_referral_on``: the day each code first brought a new customer (a
referral not rejected at enrolment), read from the referrals made before the field existed."""

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Min

from referral_loyalty.install import ensure_setup
from referral_loyalty.rules import eligibility


def execute():
	ensure_setup()  # the field and its index
	referral = DocType("Referral")
	rejected_at_enrolment = (referral.status == eligibility.REJECTED) & referral.reason.isin(
		eligibility.ENROLMENT_REASONS
	)
	firsts = (
		frappe.qb.from_(referral)
		.select(referral.referral_code, Min(referral.enrolled_on))
		.where(rejected_at_enrolment.negate())
		.groupby(referral.referral_code)
		.run()
	)
	code = DocType("Referral Code")
	for code_name, day in firsts:
		frappe.qb.update(code).set(code.rl_first_referral_on, day).where(
			(code.name == code_name) & code.rl_first_referral_on.isnull()
		).run()
