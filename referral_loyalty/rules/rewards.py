"""Who gets which offer, given the reward mode, the code and the period. Frappe-free."""

from __future__ import annotations

from dataclasses import dataclass

DOUBLE_SIDED = "Double-sided"
REFERRER_ONLY = "Referrer only"
REFEREE_ONLY = "Referee only"
REWARD_MODES = (DOUBLE_SIDED, REFERRER_ONLY, REFEREE_ONLY)

ON_ENROLMENT = "On enrolment"
ON_FIRST_PURCHASE = "On first purchase"
QUALIFICATIONS = (ON_ENROLMENT, ON_FIRST_PURCHASE)

REFEREE = "Referee"
REFERRER = "Referrer"


@dataclass(frozen=True)
class Offers:
	referee_offer: str | None = None
	referrer_offer: str | None = None

	@property
	def any(self) -> bool:
		return bool(self.referee_offer or self.referrer_offer)


@dataclass(frozen=True)
class RewardPlan:
	referee_offer: str | None
	referrer_offer: str | None


def effective_offers(code_offers: Offers, period_offers: Offers | None, own_offers_replace: bool) -> Offers:
	"""The running period decides the rewards. A code whose own offers replace the period's (an
	influencer's code, ``own_offers_replace``) rewards with its own; with no period running, a
	code's own offers reward as POS Awesome did, so codes made before keep working."""
	if period_offers is None:
		return code_offers
	if own_offers_replace and code_offers.any:
		return code_offers
	return period_offers


def reward_plan(mode: str | None, offers: Offers) -> RewardPlan:
	"""Which side is rewarded with which offer. A code with its own offers and no period is
	double-sided over whatever offers it carries."""
	mode = mode or DOUBLE_SIDED
	if mode not in REWARD_MODES:
		raise ValueError(f"unknown reward mode {mode!r}")
	return RewardPlan(
		referee_offer=offers.referee_offer if mode in (DOUBLE_SIDED, REFEREE_ONLY) else None,
		referrer_offer=offers.referrer_offer if mode in (DOUBLE_SIDED, REFERRER_ONLY) else None,
	)


def required_offers(mode: str) -> tuple[str, ...]:
	"""The period offers a mode needs: ``referee_offer`` and/or ``referrer_offer``."""
	return {
		DOUBLE_SIDED: ("referee_offer", "referrer_offer"),
		REFERRER_ONLY: ("referrer_offer",),
		REFEREE_ONLY: ("referee_offer",),
	}[mode]
