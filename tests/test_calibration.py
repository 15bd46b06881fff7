"""The coverage of the claims layer's intervals, measured by simulation at the unit counts grids have
(claims/calibration.py): every interval the claims layer gives covers 93-97% for a nominal 95%, it gives one
from the fewest units at which it does, and docs/science.md's table is this simulation's."""

import pytest

from align_transfer.claims import calibration, stats
from align_transfer.report import docs


@pytest.fixture(scope="module")
def table():
    return calibration.coverage_table()


def test_every_interval_the_claims_give_covers_at_its_nominal_rate(table):
    tested = table[table["tested"]]
    outside = tested[(tested["coverage"] < calibration.BAND[0]) | (tested["coverage"] > calibration.BAND[1])]
    assert outside.empty, outside
    assert set(table["statistic"]) == set(stats.MIN_UNITS)


def test_each_statistic_is_tested_from_the_fewest_units_at_which_it_covers(table):
    """Below its minimum a statistic says 'too few units'; at the largest count below it, some case of it
    misses the band (or a permutation could not reach p < 0.05 there), so the minimum is not set too high."""
    for statistic, needed in stats.MIN_UNITS.items():
        block = table[table["statistic"] == statistic]
        below = block[block["units"] < needed]
        if below.empty:
            continue
        nearest = below[below["units"] == below["units"].max()]
        misses = ((nearest["coverage"] < calibration.BAND[0]) | (nearest["coverage"] > calibration.BAND[1])).any()
        no_reach = statistic != "mean" and stats.permutation_reach([int(nearest["units"].iloc[0])], 0.05, "units") != ""
        assert misses or no_reach, (statistic, nearest)


def test_the_docs_show_this_simulation_s_coverage(table):
    written = docs.section(docs.VERDICTS_DOC.read_text(encoding="utf-8"), docs.COVERAGE)
    assert written == docs.coverage_text(table), "run: python -m align_transfer.report.docs coverage"
