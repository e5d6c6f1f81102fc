"""Who gets which reward (a coupon for an offer, or loyalty points), given the reward mode, the
code and the period; when a held reward is released; which milestone bonuses a count reaches.
Frappe-free."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
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
BONUS = "Bonus"
REWARD_SIDES = (REFEREE, REFERRER, BONUS)  # what a reward coupon or points entry pays (rl_side)

COUPON = "Coupon"
POINTS = "Loyalty Points"
REWARD_TYPES = (COUPON, POINTS)

# the referrer's reward (Referral.referrer_reward_status) and a milestone bonus (Referral Bonus.status)
HELD = "Held"
ISSUED = "Issued"
WITHDRAWN = "Withdrawn"
REDEEMED = "Redeemed"


@dataclass(frozen=True)
class Offers:
	referee_offer: str | None = None
	referrer_offer: str | None = None

	@property
	def any(self) -> bool:
		return bool(self.referee_offer or self.referrer_offer)


@dataclass(frozen=True)
class Points:
	"""Points per side, for a side the period pays in loyalty points (0 = that side is not)."""

	referee_points: int = 0
	referrer_points: int = 0


@dataclass(frozen=True)
class Reward:
	"""One side's reward: a coupon for ``offer``, or ``points`` loyalty points."""

	offer: str | None = None
	points: int = 0

	@property
	def kind(self) -> str | None:
		return POINTS if self.points else COUPON if self.offer else None


@dataclass(frozen=True)
class RewardPlan:
	referee: Reward
	referrer: Reward

	@property
	def referee_offer(self) -> str | None:
		return self.referee.offer

	@property
	def referrer_offer(self) -> str | None:
		return self.referrer.offer


def effective_offers(code_offers: Offers, period_offers: Offers | None, own_offers_replace: bool) -> Offers:
	"""The running period decides the rewards. A code whose own offers replace the period's (an
	influencer's code, ``own_offers_replace``) rewards with its own; with no period running, a
	code's own offers reward as POS Awesome did, so codes made before keep working."""
	if period_offers is None:
		return code_offers
	if own_offers_replace and code_offers.any:
		return code_offers
	return period_offers


def period_decides(has_period: bool, code_offers: Offers, own_offers_replace: bool) -> bool:
	"""Whether the period's rewards (offers, or points) apply rather than the code's own offers."""
	return has_period and not (own_offers_replace and code_offers.any)


def reward_plan(mode: str | None, offers: Offers, points: Points | None = None) -> RewardPlan:
	"""Which side is rewarded with what. A side the period pays in points gets points instead of a
	coupon. A code with its own offers and no period is double-sided over whatever offers it has."""
	mode = mode or DOUBLE_SIDED
	if mode not in REWARD_MODES:
		raise ValueError(f"unknown reward mode {mode!r}")
	points = points or Points()

	def side(offer: str | None, side_points: int, rewarded: bool) -> Reward:
		if not rewarded:
			return Reward()
		return Reward(points=side_points) if side_points > 0 else Reward(offer=offer)

	return RewardPlan(
		referee=side(offers.referee_offer, points.referee_points, mode in (DOUBLE_SIDED, REFEREE_ONLY)),
		referrer=side(offers.referrer_offer, points.referrer_points, mode in (DOUBLE_SIDED, REFERRER_ONLY)),
	)


def rewarded_sides(mode: str) -> tuple[str, ...]:
	return {
		DOUBLE_SIDED: (REFEREE, REFERRER),
		REFERRER_ONLY: (REFERRER,),
		REFEREE_ONLY: (REFEREE,),
	}[mode]


def required_offers(mode: str, referee_type: str = COUPON, referrer_type: str = COUPON) -> tuple[str, ...]:
	"""The period offers a mode needs: a rewarded side paid with a coupon needs its offer."""
	types = {REFEREE: referee_type, REFERRER: referrer_type}
	fields = {REFEREE: "referee_offer", REFERRER: "referrer_offer"}
	return tuple(fields[s] for s in rewarded_sides(mode) if (types[s] or COUPON) == COUPON)


def release_date(sale_date: dt.date, hold_days: int) -> dt.date | None:
	"""The day a held referrer reward is released (None: no hold, issued at once)."""
	if not hold_days or hold_days <= 0:
		return None
	return sale_date + dt.timedelta(days=hold_days)


def is_due(release_on: dt.date | None, today: dt.date) -> bool:
	return release_on is None or release_on <= today


def milestones_reached(milestones: Iterable[int], qualified: int) -> tuple[int, ...]:
	"""The milestones (numbers of qualified referrals) a referrer's count has reached."""
	return tuple(sorted(m for m in set(milestones) if 0 < m <= qualified))


def milestones_lost(milestones: Iterable[int], qualified: int) -> tuple[int, ...]:
	"""The milestones above the count (a reversal took it back under them)."""
	return tuple(sorted(m for m in set(milestones) if m > qualified))


def next_milestone(milestones: Iterable[int], qualified: int) -> int | None:
	"""The next milestone above the count, if any ("2 more friends for a bonus")."""
	above = [m for m in milestones if m > qualified]
	return min(above) if above else None


def points_for_program(points: int, from_factor: float, to_factor: float) -> int:
	"""The same money value in another loyalty program's points (rounded down): points are worth
	``conversion_factor`` each in their program. A reward is never converted to nothing: at least
	one point when the other program's point is worth more than the whole reward, and the points as
	they are when its points have no money value (no conversion factor)."""
	if points <= 0:
		return 0
	if not to_factor or to_factor <= 0:
		return points
	return max(1, int((points * from_factor) / to_factor + 1e-9))
