"""The benchmark's paired ratios (benchmarks/runners.py): a cost of going second in a pair, which
``alternate`` gives each site in turn, must not move the ratio the table prints."""

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from runners import Samples, paired_difference, paired_interval, paired_ratio, second_cost


def _alternating(ours_ms: float, native_ms: float, runs: int, second: float) -> tuple[Samples, Samples]:
	"""``runs`` runs as ``alternate`` takes them (ours first in the even ones), the site that goes
	second taking ``second`` times longer."""
	ours, native = Samples(), Samples()
	for i in range(runs):
		ours_first = i % 2 == 0
		ours.runs.append({"ms": ours_ms * (1 if ours_first else second)})
		native.runs.append({"ms": native_ms * (second if ours_first else 1)})
	return ours, native


class TestPairedRatio(unittest.TestCase):
	def test_the_cost_of_going_second_cancels(self):
		ours, native = _alternating(109.0, 100.0, 60, second=1.06)
		# one run's ratio alone is 1.028 or 1.155 by the order
		self.assertAlmostEqual(paired_ratio(ours, native, "ms"), 1.09, places=9)
		low, high = paired_interval(ours, native, "ms")
		self.assertAlmostEqual(low, 1.09, places=9)
		self.assertAlmostEqual(high, 1.09, places=9)
		# a run's worth of the difference, at the mean cost of the two orders
		self.assertAlmostEqual(paired_difference(ours, native, "ms"), 9.0 * (1 + 1.06) / 2, places=9)
		# and how much it was
		self.assertAlmostEqual(second_cost(ours, native, "ms"), 0.06, places=9)
		self.assertAlmostEqual(second_cost(*_alternating(109.0, 100.0, 60, second=1.0), "ms"), 0.0, places=9)

	def test_a_failed_run_leaves_its_block_out(self):
		ours, native = _alternating(110.0, 100.0, 6, second=1.0)
		ours.runs[2] = None  # block of runs 2 and 3
		native.runs[3] = {"ms": 1000.0}  # in the same block: never read
		ours.runs[4] = {"ms": 120.0}
		# blocks: (0, 1) 1.10; (4, 5) (120 + 110) / 200 = 1.15
		self.assertAlmostEqual(paired_ratio(ours, native, "ms"), (1.10 + 1.15) / 2, places=9)

	def test_an_odd_last_run_and_too_few_blocks(self):
		ours, native = _alternating(110.0, 100.0, 3, second=1.2)
		self.assertAlmostEqual(paired_ratio(ours, native, "ms"), 1.10, places=9)
		low, high = paired_interval(ours, native, "ms")
		self.assertNotEqual(low, low)  # NaN: one block cannot give an interval
		self.assertNotEqual(high, high)

	def test_plain_values(self):
		ours, native = Samples(runs=[2.0, 4.0, 6.0, 6.0]), Samples(runs=[1.0, 2.0, 3.0, 3.0])
		self.assertAlmostEqual(paired_ratio(ours, native), 2.0, places=9)
		# the blocks' differences, halved: (6 - 3) / 2 and (12 - 6) / 2
		self.assertAlmostEqual(paired_difference(ours, native), (1.5 + 3.0) / 2, places=9)


if __name__ == "__main__":
	unittest.main()
