"""The grade passback's small rules, without a platform: Retry-After in both of its forms, and
the scores URL of a line item with a query."""

from __future__ import annotations

import email.utils
import time

from worker.ags_client import retry_after, scores_url


def test_retry_after_in_seconds_or_as_a_date():
    assert retry_after("7") == 7.0
    assert retry_after(None) is None and retry_after("soon") is None
    in_ten = email.utils.formatdate(time.time() + 10, usegmt=True)
    assert 8.0 <= retry_after(in_ten) <= 10.0
    assert retry_after(email.utils.formatdate(time.time() - 60, usegmt=True)) == 0.0


def test_the_scores_url_keeps_the_line_items_query():
    assert scores_url("https://lms.test/lineitems/7?course=1") == (
        "https://lms.test/lineitems/7/scores?course=1"
    )
    assert scores_url("https://lms.test/lineitems/7/") == "https://lms.test/lineitems/7/scores"
