"""Set up (idempotently) the benchmark shop on one benchmark site; see shop.py.

env/bin/python apps/referral_loyalty/benchmarks/setup.py --site rl_bench.localhost
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import shop


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	args = parser.parse_args()
	if args.site in ("test_referral.localhost", "referral.localhost"):
		sys.exit(f"{args.site} is not a benchmark site")

	import frappe

	shop.connect(args.site)
	try:
		shop.setup_site()
	finally:
		frappe.destroy()


if __name__ == "__main__":
	main()
