"""The measures of the benchmark table, each on both benchmark sites under the same load.

Each ``measure_*(ctx)`` returns plain data (numbers, and the samples' failures per site) that
table.py prints and writes to the JSON results file. A sample that fails is counted in its
``*_failed`` figure and left out of the medians; it never ends the run.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import shop
from runners import (
	CREATE_CUSTOMER,
	GIFT_COUPONS,
	HERE,
	SALES_INVOICE,
	Samples,
	Till,
	Worker,
	alternate,
	create_payload,
	index_cost,
	log,
	median,
	paired_difference,
	paired_interval,
	paired_ratio,
	percentile,
	sale_payload,
	second_cost,
)

# in-process calls per site before the timed ones: a worker's first calls still fill its caches
# (the third and fourth create_customer took up to 1.4 times a later one)
INPROC_WARM_UP = 5


def failed(samples: dict[str, Samples]) -> dict[str, int]:
	return {site: s.failed for site, s in samples.items()}


def errors(samples: dict[str, Samples]) -> dict[str, list[str]]:
	return {site: s.errors[:3] for site, s in samples.items() if s.errors}


def _attributed(ctx, op: str, **kwargs) -> dict:
	"""One call on our site that keeps the statements the app sent (for the EXPLAIN plans); an
	empty answer if it fails."""
	try:
		return ctx.workers[ctx.ours].call(op, attribute=True, **kwargs)
	except Exception as e:
		log(f"{op} with statements on {ctx.ours} failed: {str(e)[-300:]}")
		return {}


def measure_create(ctx) -> dict:
	ours, native = ctx.ours, ctx.native
	tag = str(int(time.time()))[-6:]
	tills = {site: Till(ctx.port, site) for site in (ours, native)}

	def http(site, i):
		ms, r = tills[site].post(CREATE_CUSTOMER, data=create_payload(ctx.info[site], i, tag + site[:2]))
		if r.status_code != 200:
			raise RuntimeError(f"create_customer on {site}: HTTP {r.status_code} {r.text[:500]}")
		message = r.json()["message"]
		if site == ours and (message.get("rl_referral_outcome") or {}).get("status") != "Pending":
			raise RuntimeError(f"create_customer on {site}: no Pending referral: {message}")
		return ms

	log("(a) create_customer over HTTP: warm-up")
	# the warm-up's customers take the numbers right after the measured ones: one run's mobile
	# numbers (shop.mobile: the clock in tenths of a second plus a sequence) stay a block of a few
	# dozen, which another run's meets only when it starts within seconds of it
	warm = alternate([ours, native], 2 * ctx.gunicorn_workers, lambda s, i: http(s, ctx.runs + i))
	log(f"(a) create_customer over HTTP: {ctx.runs} runs per site")
	times = alternate([ours, native], ctx.runs, http)

	log("(a) create_customer in-process: query counts")
	code = {site: ctx.info[site]["referral_code"] for site in (ours, native)}
	alternate(
		[ours, native],
		INPROC_WARM_UP,
		lambda s, i: ctx.workers[s].call("create_customer", referral_code=code[s]),
	)
	inproc = alternate(
		[ours, native],
		ctx.inproc_runs,
		lambda s, i: ctx.workers[s].call("create_customer", referral_code=code[s]),
	)
	detail = _attributed(ctx, "create_customer", referral_code=code[ours])
	return {
		**_http_and_inproc(ours, native, warm, times, inproc, detail),
		"coupons": {s: v.last().get("coupons") for s, v in inproc.items()},
	}


def _http_and_inproc(ours, native, warm, times, inproc, detail) -> dict:
	"""The figures of a call measured over HTTP (after a warm-up) and in-process on both sites."""
	return {
		"http_ms": {s: v.median() for s, v in times.items()},
		"http_ratio": paired_ratio(times[ours], times[native]),
		"http_ratio_ci": paired_interval(times[ours], times[native]),
		"http_failed": failed(times),
		"warmup_failed": failed(warm),
		"queries": {s: v.median("queries") for s, v in inproc.items()},
		"inproc_ms": {s: v.median("ms") for s, v in inproc.items()},
		"inproc_failed": failed(inproc),
		"errors": {**errors(warm), **errors(times), **errors(inproc)},
		"from_app": detail.get("from_app", []),
	}


def measure_coupons(ctx) -> dict:
	ours, native = ctx.ours, ctx.native
	tills = {site: Till(ctx.port, site) for site in (ours, native)}
	data = {site: {"customer": ctx.info[site]["coupon_holder"], "company": shop.COMPANY} for site in tills}

	def http(site, i):
		ms, r = tills[site].post(GIFT_COUPONS, data=data[site])
		if r.status_code != 200 or len(r.json()["message"]) != shop.COUPONS:
			raise RuntimeError(f"get_active_gift_coupons on {site}: HTTP {r.status_code} {r.text[:300]}")
		return ms

	log("(c) coupon auto-fetch over HTTP")
	warm = alternate([ours, native], 2 * ctx.gunicorn_workers, http)
	times = alternate([ours, native], ctx.runs, http)
	alternate([ours, native], INPROC_WARM_UP, lambda s, i: ctx.workers[s].call("get_active_gift_coupons"))
	inproc = alternate(
		[ours, native], ctx.inproc_runs, lambda s, i: ctx.workers[s].call("get_active_gift_coupons")
	)
	detail = _attributed(ctx, "get_active_gift_coupons")
	return _http_and_inproc(ours, native, warm, times, inproc, detail)


def _submit(ctx, site: str, kind: str):
	return ctx.workers[site].call("submit", kind=kind)


def measure_submit(ctx) -> dict:
	ours, native = ctx.ours, ctx.native
	sites = [ours, native]
	warm = 3
	log(f"(b) preparing {ctx.submit_runs + warm + 1} draft POS sales per site")
	for site in sites:
		ctx.workers[site].call("prepare_sales", kind="plain", count=ctx.submit_runs + warm + 1)
	alternate(sites, warm, lambda s, i: _submit(ctx, s, "plain"))
	log(f"(b) submitting {ctx.submit_runs} sales per site, no referral")
	plain = alternate(sites, ctx.submit_runs, lambda s, i: _submit(ctx, s, "plain"))
	detail = _attributed(ctx, "submit", kind="plain")
	alternate([native], 1, lambda s, i: _submit(ctx, s, "plain"))  # keep both queues even

	log(f"(b) preparing {ctx.submit_runs + 1} first sales of new referees per site")
	for site in sites:
		ctx.workers[site].call("prepare_sales", kind="referee", count=ctx.submit_runs + 1)
	log("(b) submitting them (on our site the referral qualifies after the commit)")
	first = alternate(sites, ctx.submit_runs, lambda s, i: _submit(ctx, s, "referee"))
	referee = first[ours]
	referee_detail = _attributed(ctx, "submit", kind="referee")
	alternate([native], 1, lambda s, i: _submit(ctx, s, "referee"))
	statuses = [(r.get("status") or {}).get("status") for r in referee.good]
	log("(b) ERPNext's sum of the company's month sales, as each submit runs it")
	month_sales = {site: ctx.workers[site].call("month_sales") for site in sites}
	log("(b) the app's indexes on Sales Invoice on writing a sale, in two copies of its table")
	cost = index_cost(ctx.workers[ours])
	return {
		"ms": {s: v.median("ms") for s, v in plain.items()},
		"ratio": paired_ratio(plain[ours], plain[native], "ms"),
		"ratio_ci": paired_interval(plain[ours], plain[native], "ms"),
		"queries": {s: v.median("queries") for s, v in plain.items()},
		"failed": failed(plain),
		"hook_ms": plain[ours].median("hook_ms"),
		"second_cost": second_cost(plain[ours], plain[native], "ms"),
		"added": detail.get("from_app", []),
		"explain": detail.get("explain", []),
		"explain_hit": detail.get("explain_hit", []),
		"referee_ms": referee.median("ms"),
		"referee_native_ms": first[native].median("ms"),
		"referee_native_queries": first[native].median("queries"),
		"referee_ratio": paired_ratio(referee, first[native], "ms"),
		"referee_ratio_ci": paired_interval(referee, first[native], "ms"),
		"referee_failed": failed(first),
		"referee_submit_queries": referee.median("submit_queries"),
		"referee_commit_queries": referee.median("commit_queries"),
		# the two phases apart: the sale's submit, then its commit (ours: with the crediting after it)
		"referee_submit_ms": {s: v.median("submit_ms") for s, v in first.items()},
		"referee_submit_ratio": paired_ratio(referee, first[native], "submit_ms"),
		"referee_submit_ratio_ci": paired_interval(referee, first[native], "submit_ms"),
		"referee_commit_ms": referee.median("commit_ms"),
		"referee_native_commit_ms": first[native].median("commit_ms"),
		"referee_commit_added_ms": paired_difference(referee, first[native], "commit_ms"),
		"referee_hook_ms": referee.median("hook_ms"),
		"referee_qualified": sum(1 for s in statuses if s == "Qualified"),
		"referee_runs": len(referee.runs),
		"referee_from_app": referee_detail.get("from_app", []),
		"referee_after_commit": referee_detail.get("from_app_after_commit", []),
		"month_sales": month_sales,
		"index_cost": cost,
		# every run's times, in the order they were taken (run i: ours first when i is even)
		"samples": {
			"plain": _times(plain, ("ms",)),
			"referee": _times(first, ("ms", "submit_ms", "commit_ms")),
		},
		"errors": {**errors(plain), **errors(first)},
	}


def _times(samples: dict, keys: tuple[str, ...]) -> dict:
	"""Each site's runs as lists of times (``None`` where a run failed), rounded to µs."""
	return {
		site: {key: [round(r[key], 3) if r else None for r in v.runs] for key in keys}
		for site, v in samples.items()
	}


def measure_self(ctx) -> dict:
	"""(z) The native site against itself: plain sales submitted alternately by two worker
	processes of the same site, exactly as (b) compares the two sites. The code is the same on
	both sides, so its ratio and interval show what one measurement of (b) can tell apart."""
	site = ctx.native
	second = Worker(site, Path(shop.sites_path()).parent / "logs" / "bench-worker.log")
	workers = {"A": ctx.workers[site], "B": second}
	warm = 3
	try:
		log(f"(z) {site} against itself: two worker processes, {ctx.submit_runs} plain sales each")
		for worker in workers.values():
			worker.call("prepare_sales", kind="plain", count=ctx.submit_runs + warm)
		alternate(list(workers), warm, lambda w, i: workers[w].call("submit", kind="plain"))
		plain = alternate(
			list(workers), ctx.submit_runs, lambda w, i: workers[w].call("submit", kind="plain")
		)
	finally:
		second.close()
	return {
		"ms": {w: v.median("ms") for w, v in plain.items()},
		"ratio": paired_ratio(plain["A"], plain["B"], "ms"),
		"ratio_ci": paired_interval(plain["A"], plain["B"], "ms"),
		"failed": failed(plain),
		"errors": errors(plain),
	}


def run_tills(ctx, site: str, customers: list[str], tills: int) -> dict:
	"""``tills`` threads, each a logged-in till selling to its share of ``customers`` at once; every
	sale that fails is counted with its error."""
	cash_account = ctx.info[site]["cash_account"]
	shares = [customers[t::tills] for t in range(tills)]
	sessions = [Till(ctx.port, site) for _t in range(tills)]
	latencies, failures = [], []
	lock = threading.Lock()
	barrier = threading.Barrier(tills + 1)

	def till(t: int):
		barrier.wait()
		for customer in shares[t]:
			try:
				ms, r = sessions[t].post(SALES_INVOICE, json=sale_payload(customer, cash_account))
				ok = r.status_code == 200 and r.json()["data"]["docstatus"] == 1
				error = None if ok else f"HTTP {r.status_code} {_error_text(r)}"
			except Exception as e:
				ms, error = float("nan"), f"{type(e).__name__}: {e}"
			with lock:
				if error:
					failures.append(error)
				else:
					latencies.append(ms)

	threads = [threading.Thread(target=till, args=(t,)) for t in range(tills)]
	for thread in threads:
		thread.start()
	barrier.wait()
	started = time.perf_counter()
	for thread in threads:
		thread.join()
	wall = time.perf_counter() - started
	return {
		"sales": len(customers),
		"ok": len(latencies),
		"failed": len(failures),
		"failures": failures[:3],
		"wall_s": wall,
		"per_s": len(latencies) / wall if wall else float("nan"),
		"latencies": latencies,
	}


def _error_text(r) -> str:
	"""The exception frappe answered with (its type and message), else the start of the body."""
	try:
		body = r.json()
		exc_type = body.get("exc_type") or ""
		return f"{exc_type} {body.get('exception') or ''}"[:300] if exc_type else r.text[:300]
	except ValueError:
		return r.text[:300]


def measure_tills(ctx, tills: int) -> dict:
	"""``ctx.rounds`` rounds on each site of ``tills`` tills selling at once, each round with a fresh
	referrer and referees (the cap is per code): throughput median of the rounds, latencies pooled.
	A round whose set-up fails counts all its sales as failed. Each site's first load of the run
	starts with a warm-up of twice as many sales as tills (its failures counted apart); a later
	load on the same server needs none."""
	out = {}
	count = tills * ctx.sales_per_till
	for site in (ctx.ours, ctx.native):
		if site in ctx.tills_warmed:  # the same server ran an earlier load of the site's tills
			warm = {"sales": 0, "failed": 0, "failures": []}
		else:
			log(f"(e) {site}: warm-up, {2 * tills} sales to the walk-in customer")
			warm = run_tills(ctx, site, [ctx.info[site]["walk_in"]] * 2 * tills, tills)
			ctx.tills_warmed.add(site)
		rounds = []
		for n in range(ctx.rounds):
			try:
				load = ctx.workers[site].call("till_load", referees=count, cap=ctx.cap)
			except Exception as e:
				log(f"(e) {site}, round {n + 1}: set-up failed: {str(e)[-300:]}")
				rounds.append(
					{"sales": count, "ok": 0, "failed": count, "failures": [str(e)[-300:]], "latencies": []}
				)
				continue
			log(
				f"(e) {site}, round {n + 1}/{ctx.rounds}: {tills} tills x {ctx.sales_per_till} sales"
				f" to {count} referees of one code{f' capped at {ctx.cap}' if site == ctx.ours else ''}"
			)
			result = run_tills(ctx, site, load["referees"], tills)
			try:
				result["tally"] = ctx.workers[site].call(
					"tally", referrer=load["referrer"], referees=load["referees"]
				)
			except Exception as e:
				result["tally_error"] = str(e)[-300:]
			rounds.append(result)
		latencies = [ms for r in rounds for ms in r["latencies"]]
		tallies = [r.get("tally") or {} for r in rounds]
		out[site] = {
			"rounds": [{k: v for k, v in r.items() if k != "latencies"} for r in rounds],
			"sales": sum(r["sales"] for r in rounds),
			"failed": sum(r["failed"] for r in rounds),
			"warmup_sales": warm["sales"],
			"warmup_failed": warm["failed"],
			"warmup_failures": warm["failures"],
			"submitted": sum(t.get("submitted", 0) for t in tallies),
			"qualified": [t.get("qualified") for t in tallies],
			"pending": sum(t.get("pending") or 0 for t in tallies),
			"by_status": _sum_counts(t.get("by_status") or {} for t in tallies),
			"referrer_coupons": sum(t.get("referrer_coupons", 0) for t in tallies),
			"per_s": median([r.get("per_s") for r in rounds if r.get("ok")]),
			"p50": percentile(latencies, 0.5),
			"p95": percentile(latencies, 0.95),
		}
	return out


def _sum_counts(dicts) -> dict:
	total: dict[str, int] = {}
	for d in dicts:
		for k, v in d.items():
			total[k] = total.get(k, 0) + v
	return total


def measure_backfill(ctx) -> dict:
	"""benchmarks/backfill.py (it creates the customers, backfills, re-runs, cleans up) ``ctx.rounds``
	times on our site; POS Awesome's one-by-one ``create_referral_code`` on the native one."""
	rounds = []
	for n in range(ctx.rounds):
		log(
			f"(d) backfill benchmark (benchmarks/backfill.py) on {ctx.ours}, {ctx.customers:,} customers,"
			f" round {n + 1}/{ctx.rounds}"
		)
		proc = subprocess.run(
			[
				sys.executable,
				str(HERE / "backfill.py"),
				"--site",
				ctx.ours,
				"--customers",
				str(ctx.customers),
			],
			capture_output=True,
			text=True,
			cwd=shop.sites_path(),
			timeout=1800,
		)
		text = proc.stdout
		found = re.search(r"backfill: (\d+) codes for (\d+) customers in ([\d.]+)s = ([\d,]+) codes/s", text)
		rerun = re.search(r"re-run: (\d+) codes", text)
		if proc.returncode != 0 or not found:
			log(f"(d) round {n + 1} failed: {(text + proc.stderr)[-600:]}")
			rounds.append(None)
			continue
		rounds.append(
			{
				"codes": int(found.group(1)),
				"seconds": float(found.group(3)),
				"per_s": float(found.group(4).replace(",", "")),
				"rerun": int(rerun.group(1)) if rerun else None,
			}
		)
	log("(d) POS Awesome's way on the native site: create_referral_code one customer at a time")
	native = alternate(
		[ctx.native],
		ctx.rounds,
		lambda s, i: ctx.workers[s].call("native_codes_one_by_one", count=ctx.native_codes),
	)[ctx.native]
	good = [r for r in rounds if r]
	return {
		"rounds": rounds,
		"failed": {ctx.ours: len(rounds) - len(good), ctx.native: native.failed},
		"codes": median([r["codes"] for r in good]),
		"seconds": median([r["seconds"] for r in good]),
		"per_s": median([r["per_s"] for r in good]),
		"rerun": max((r["rerun"] or 0 for r in good), default=None),
		"native_per_s": native.median("per_second"),
		"errors": {ctx.native: native.errors[:3]} if native.errors else {},
	}


def explain_app_statements(ctx, results: dict) -> list[dict]:
	"""EXPLAIN, on our site, every statement the app sent in the measured calls kept with their
	statements (one plan per statement shape)."""
	queries = []
	for key, fields in (
		("a", ("from_app",)),
		("c", ("from_app",)),
		("b", ("added", "referee_from_app", "referee_after_commit")),
	):
		for name in fields:
			queries += (results.get(key) or {}).get(name) or []
	try:
		return ctx.workers[ctx.ours].call("explain", queries=queries)
	except Exception as e:
		log(f"EXPLAIN of the app's statements failed: {str(e)[-300:]}")
		return []
