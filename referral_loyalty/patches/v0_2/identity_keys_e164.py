"""Mobile keys become E.164 numbers (read with the shop's country) instead of the last nine
digits, and e-mail dots are ignored for Gmail only: recompute every referral's keys."""

from referral_loyalty.patches.v0_1.referral_identity_keys import recompute


def execute():
	recompute(only_missing=False)
