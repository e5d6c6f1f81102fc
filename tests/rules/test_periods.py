import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from referral_loyalty.rules.periods import PeriodSpan, active_period, first_overlap, overlaps, qualify_by

days = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2030, 12, 31))


@st.composite
def spans(draw, name=None, company="C1"):
	start = draw(days)
	end = start + dt.timedelta(days=draw(st.integers(0, 120)))
	return PeriodSpan(
		name or draw(st.text("abcdef", min_size=1, max_size=4)), company, start, end, draw(st.booleans())
	)


@given(spans(name="a"), spans(name="b"))
def test_overlap_is_symmetric_and_matches_shared_days(a, b):
	assert overlaps(a, b) == overlaps(b, a)
	shared = a.enabled and b.enabled and max(a.from_date, b.from_date) <= min(a.to_date, b.to_date)
	assert overlaps(a, b) == shared


@given(spans(name="a"), spans(name="b", company="C2"))
def test_other_companies_never_overlap(a, b):
	assert not overlaps(a, b)


@given(st.lists(spans(), max_size=6), days)
def test_active_period_covers_the_day_and_is_enabled(periods, day):
	found = active_period(periods, "C1", day)
	covering = [p for p in periods if p.enabled and p.from_date <= day <= p.to_date]
	assert (found is None) == (not covering)
	if found:
		assert found in covering


def test_to_date_is_inclusive_and_first_overlap_names_the_clash():
	jan = PeriodSpan("jan", "C1", dt.date(2026, 1, 1), dt.date(2026, 1, 31))
	feb = PeriodSpan("feb", "C1", dt.date(2026, 2, 1), dt.date(2026, 2, 28))
	assert active_period([jan, feb], "C1", dt.date(2026, 1, 31)) == jan
	assert active_period([jan, feb], "C1", dt.date(2026, 2, 1)) == feb
	assert active_period([jan, feb], "C2", dt.date(2026, 2, 1)) is None
	assert first_overlap(jan, [feb]) is None
	late_jan = PeriodSpan("x", "C1", dt.date(2026, 1, 31), dt.date(2026, 2, 3))
	assert first_overlap(late_jan, [jan, feb]) == jan


def test_qualify_by():
	assert qualify_by(dt.date(2026, 1, 1), 0) is None
	assert qualify_by(dt.date(2026, 1, 1), 30) == dt.date(2026, 1, 31)
