"""Referral periods: which one is active on a day, and whether two overlap. Frappe-free."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class PeriodSpan:
	name: str
	company: str
	from_date: dt.date
	to_date: dt.date  # inclusive
	enabled: bool = True

	def covers(self, day: dt.date) -> bool:
		return self.from_date <= day <= self.to_date


def overlaps(a: PeriodSpan, b: PeriodSpan) -> bool:
	"""Two enabled periods of one company that share at least one day."""
	if not (a.enabled and b.enabled) or a.company != b.company or a.name == b.name:
		return False
	return a.from_date <= b.to_date and b.from_date <= a.to_date


def first_overlap(candidate: PeriodSpan, others: Iterable[PeriodSpan]) -> PeriodSpan | None:
	return next((other for other in others if overlaps(candidate, other)), None)


def active_period(periods: Iterable[PeriodSpan], company: str, day: dt.date) -> PeriodSpan | None:
	"""The enabled period of ``company`` covering ``day``; unique because enabled periods never overlap.

	Should overlapping rows exist anyway (data written around validation), the one that started
	last wins, so the answer stays deterministic.
	"""
	covering = [p for p in periods if p.enabled and p.company == company and p.covers(day)]
	if not covering:
		return None
	return max(covering, key=lambda p: (p.from_date, p.name))


def qualify_by(enrolled_on: dt.date, qualify_within_days: int) -> dt.date | None:
	"""Last day a purchase can qualify the referral; None when there is no limit."""
	if not qualify_within_days or qualify_within_days <= 0:
		return None
	return enrolled_on + dt.timedelta(days=qualify_within_days)
