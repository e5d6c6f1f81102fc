import pytest
from hypothesis import given
from hypothesis import strategies as st

from referral_loyalty.rules import rewards as r
from referral_loyalty.rules.rewards import Offers

offer = st.one_of(st.none(), st.sampled_from(["OFF-A", "OFF-B", "OFF-C"]))


@given(st.sampled_from(r.REWARD_MODES), offer, offer)
def test_plan_rewards_only_the_sides_of_the_mode(mode, referee_offer, referrer_offer):
	plan = r.reward_plan(mode, Offers(referee_offer, referrer_offer))
	if mode == r.REFERRER_ONLY:
		assert plan.referee_offer is None
	else:
		assert plan.referee_offer == referee_offer
	if mode == r.REFEREE_ONLY:
		assert plan.referrer_offer is None
	else:
		assert plan.referrer_offer == referrer_offer


@given(offer, offer, offer, offer, st.booleans())
def test_the_running_period_decides_unless_the_code_replaces_it(
	code_referee, code_referrer, period_referee, period_referrer, own
):
	code = Offers(code_referee, code_referrer)
	period = Offers(period_referee, period_referrer)
	expected = code if (own and code.any) else period
	assert r.effective_offers(code, period, own) == expected


@given(offer, offer, st.booleans())
def test_with_no_period_a_codes_own_offers_reward(code_referee, code_referrer, own):
	code = Offers(code_referee, code_referrer)
	assert r.effective_offers(code, None, own) == code


def test_unknown_mode_and_required_offers():
	with pytest.raises(ValueError):
		r.reward_plan("Triple", Offers())
	assert r.required_offers(r.REFEREE_ONLY) == ("referee_offer",)
	assert r.effective_offers(Offers(), None, False) == Offers()


@given(st.integers(1, 100_000), st.floats(0.01, 100), st.floats(0.01, 100))
def test_points_keep_their_money_value_rounded_down_and_never_become_nothing(points, from_factor, to_factor):
	converted = r.points_for_program(points, from_factor, to_factor)
	assert converted >= 1
	value, converted_value = points * from_factor, converted * to_factor
	if converted > 1:  # rounded down: never worth more than the reward, less by under one point
		assert converted_value <= value + 1e-6
		assert value - converted_value < to_factor + 1e-6


@pytest.mark.parametrize(
	"points, from_factor, to_factor, expected",
	[
		(100, 0.5, 1.0, 50),
		(100, 1.0, 0.5, 200),
		(3, 0.5, 1.0, 1),  # 1.5 rounded down
		(100, 0.5, 100.0, 1),  # worth 0.5 point there: one point, not nothing
		(100, 0.5, 0, 100),  # points with no money value there: as they are
		(0, 0.5, 1.0, 0),
	],
)
def test_points_for_program_examples(points, from_factor, to_factor, expected):
	assert r.points_for_program(points, from_factor, to_factor) == expected
