"""Tests of the harness's pure parts (no processes, no network).

    python3 -m unittest discover -s bench/tests -v
"""

from __future__ import annotations

import json
import sys
import tempfile
import unittest
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH))

from harness.nginx import BODY_100B, parse_stub_status  # noqa: E402
from harness.scenario import Scenario  # noqa: E402
from harness.tools import make_arms  # noqa: E402
from harness.tsunglog import parse_tsung_log, read_run_totals, totals_from_stats_json  # noqa: E402

import importlib.util  # noqa: E402

_spec = importlib.util.spec_from_file_location("throughput", BENCH / "throughput.py")
assert _spec and _spec.loader
throughput = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(throughput)

# nginx's exact output, trailing spaces included.
STUB = (
    "Active connections: 51 \n"
    "server accepts handled requests\n"
    " 120 120 81234 \n"
    "Reading: 0 Writing: 3 Waiting: 48 \n"
)

# Two dump blocks; the global columns lag one interval, as in real Tsung logs.
TSUNG_LOG = """# stats: dump at 1795669677
stats: users 9 9
stats: {cpu,"tsung_controller@vm"} 1 99.5 0.0 99.6 0.9 65.7 58
stats: session 20 145.1 20.3 210.3 103.1 0 0
stats: users_count 30 30
stats: finish_users_count 20 20
stats: request 150 0.36 0.2 6.7 0.04 0 0
stats: 200 100 100
stats: 404 25 25
stats: connected 9 9
# stats: dump at 1795669687
stats: users 0 9
stats: session 10 145.1 20.3 210.3 103.1 145.1 20
stats: users_count 0 30
stats: finish_users_count 10 30
stats: request 30 0.36 0.2 6.7 0.04 0.36 150
stats: 200 20 120
stats: 404 5 30
stats: error_connect_econnrefused 2 2
stats: connected -9 0
"""


class StubStatus(unittest.TestCase):
    def test_fields(self) -> None:
        s = parse_stub_status(STUB, polls=7, at=1.0)
        self.assertEqual((s.active, s.accepts, s.handled, s.requests), (51, 120, 120, 81234))
        self.assertEqual((s.reading, s.writing, s.waiting), (0, 3, 48))
        self.assertEqual(s.connected_clients, 50)

    def test_requests_since_subtracts_the_status_requests(self) -> None:
        a = parse_stub_status(STUB, polls=1, at=0.0)
        b = parse_stub_status(STUB.replace("81234", "81334"), polls=5, at=1.0)
        # 100 more requests, of which 4 were the harness's own status reads.
        self.assertEqual(b.requests_since(a), 96)

    def test_body_is_100_bytes(self) -> None:
        self.assertEqual(len(BODY_100B), 100)


class TsungLog(unittest.TestCase):
    def test_totals(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            log = Path(d) / "20261126-0458" / "tsung.log"
            log.parent.mkdir()
            log.write_text(TSUNG_LOG)
            t = parse_tsung_log(log)
            self.assertEqual(t.requests, 180)  # 150 + 30: sum of per-interval counts
            self.assertEqual(t.sessions, 30)
            self.assertEqual(t.statuses, {"200": 120, "404": 30})
            self.assertEqual(t.errors, {"error_connect_econnrefused": 2})
            self.assertEqual(t.counters["users_count"], 30)
            self.assertEqual(t.counters["finish_users_count"], 30)
            self.assertEqual(t.max_users, 9)
            self.assertEqual(t.blocks, 2)
            totals, source = read_run_totals(Path(d))
            self.assertIsNotNone(totals)
            self.assertTrue(source.endswith("tsung.log"))

    def test_missing_results(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            self.assertEqual(read_run_totals(Path(d)), (None, ""))

    def test_stats_json_tsung_backend_shape(self) -> None:
        data = {
            "stats": [
                {"timestamp": 1, "samples": [{"name": "request", "value": 5, "mean": 1.0}, {"name": "http_200", "value": 5, "total": 5}]},
                {"timestamp": 2, "samples": [{"name": "request", "value": 3, "mean": 1.0}, {"name": "http_200", "value": 3, "total": 8}]},
            ]
        }
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "stats.json"
            p.write_text(json.dumps(data))
            t = totals_from_stats_json(p)
            assert t is not None
            self.assertEqual(t.requests, 8)
            self.assertEqual(t.statuses, {"200": 8})

    def test_stats_json_flat_shape_and_garbage(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "stats.json"
            p.write_text(json.dumps({"requests": 12, "sessions": 2, "statuses": {"200": 10, "404": 2}}))
            t = totals_from_stats_json(p)
            assert t is not None
            self.assertEqual((t.requests, t.sessions, t.statuses), (12, 2, {"200": 10, "404": 2}))
            p.write_text("{not json")
            self.assertIsNone(totals_from_stats_json(p))
            p.write_text(json.dumps({"something": "else"}))
            self.assertIsNone(totals_from_stats_json(p))


class Rendering(unittest.TestCase):
    def test_loop_get(self) -> None:
        sc = Scenario("loop-get").set_servers("127.0.0.1", [4321]).set_duration(7).set_users(12)
        self.assertIn('<server host="127.0.0.1" port="4321" type="tcp"/>', sc.text)
        self.assertNotIn('port="8080"', sc.text)
        self.assertIn('<load duration="7" unit="second">', sc.text)
        self.assertIn('<arrivalphase phase="1" duration="7" unit="second">', sc.text)
        self.assertIn('maxnumber="12"', sc.text)
        self.assertTrue(sc.text.startswith('<?xml version="1.0"?>\n<!DOCTYPE tsung'))

    def test_think_with_source_addresses_and_ports(self) -> None:
        sc = (
            Scenario("think")
            .set_servers("127.0.0.1", [1000, 1001])
            .set_client(maxusers=500, source_ips=["127.0.0.2", "127.0.0.3"])
            .set_users(500, 250.5)
            .set_thinktime(90)
        )
        self.assertEqual(sc.text.count("<server "), 2)
        self.assertIn('<ip value="127.0.0.3"/>', sc.text)
        self.assertIn('maxusers="500"', sc.text)
        self.assertIn('arrivalrate="250.5"', sc.text)
        self.assertIn('<thinktime value="90" random="false"/>', sc.text)

    def test_missing_element_is_an_error(self) -> None:
        with self.assertRaises(ValueError):
            Scenario("probe").set_attr("thinktime", "value", 1)


class SteadyState(unittest.TestCase):
    def test_drops_ramp_up_and_shut_down(self) -> None:
        # (time, cpu seconds, requests): ramp-up, 4 steady seconds, tail.
        samples = [(0, 0.0, 0), (1, 0.2, 1000), (2, 0.7, 11000), (3, 1.2, 21000), (4, 1.7, 31000), (5, 2.2, 41000), (6, 2.3, 42000)]
        s = throughput.steady_state(samples)
        assert s is not None
        # Active intervals are 1-2 .. 4-5; the first and last of them are dropped.
        self.assertAlmostEqual(s["requests"], 20000)
        self.assertAlmostEqual(s["cpu_s"], 1.0)
        self.assertAlmostEqual(s["cpu_us_per_req"], 50.0)

    def test_no_traffic(self) -> None:
        self.assertIsNone(throughput.steady_state([(0, 0.0, 0), (1, 0.5, 0)]))
        self.assertIsNone(throughput.steady_state([(0, 0.0, 0)]))


class Arms(unittest.TestCase):
    def test_named_stampede_builds(self) -> None:
        arms = make_arms(["stampede", "stampede-before=/opt/old/stampede", "wrk"], Path("/opt/new/stampede"), ["-x"])
        self.assertEqual([a.name for a in arms], ["stampede", "stampede-before", "wrk"])
        self.assertEqual(str(arms[0].binary), "/opt/new/stampede")
        self.assertEqual(str(arms[1].binary), "/opt/old/stampede")
        self.assertEqual(arms[1].extra_args, ["-x"])

    def test_unknown_tools_are_refused(self) -> None:
        for name in ["curl", "stampede-x", "wrk-x=/bin/wrk", "stampede-x="]:
            with self.assertRaises(SystemExit):
                make_arms([name], None, [])


if __name__ == "__main__":
    unittest.main()
