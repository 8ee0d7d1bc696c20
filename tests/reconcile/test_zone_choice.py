"""The data view's zone is chosen by the series that show a shift: journeys too small to
show one do not weigh against a zone for the penalty of its extra segments."""

from __future__ import annotations

import numpy as np
import pytest

from tests.reconcile.test_data_view_zone import DAYS, _answer, _days, _frame, _volume


def _data_view(seed: int) -> dict:
    """A data view on Europe/Berlin (two hours ahead of UTC, one from Oct 25): one journey
    of about 3,000 sends a day, its CJA numbers off by a data-source wobble of 2.5 % a day,
    and fifteen of about 40 a day, off by 10 % a day (a few events: the shift's hour is
    lost in it)."""
    rng = np.random.default_rng(seed)
    series = {}
    for key, level, wobble in [(1, 3_000, 0.025)] + [(k, 40, 0.1) for k in range(2, 17)]:
        volume = _volume(3 if key == 1 else 8 + key, level)
        ajo, cja = _days(volume, np.full(24, 1 / 24), "Europe/Berlin")
        cja = cja - np.rint(cja * rng.normal(0, wobble, DAYS)).astype(np.int64)
        series[(key, "sent")] = (ajo, cja)
    return series


@pytest.mark.parametrize("seed", [3, 5])
def test_small_journeys_do_not_hide_the_zone_of_a_large_one(seed):
    # Before, each small journey's fit cost the zone changing its offset on Oct 25 its
    # penalty: no zone was found, or one keeping the same offset all along.
    sent = _answer(_frame(_data_view(seed)), ("sent",))["sent"]
    (detail,) = [d for d in sent.details if d.cause == "timezone"]
    assert "CJA's data view looks like Europe/Paris" in detail.evidence
    assert "from Oct 25" in detail.evidence
