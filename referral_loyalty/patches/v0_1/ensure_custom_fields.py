from referral_loyalty.install import ensure_setup


def execute():
	ensure_setup()
