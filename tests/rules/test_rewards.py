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
