"""Home's report under AppTest: click "Build the report", wait for its background task, run again."""

from __future__ import annotations


def built_report(at, model_id: str, dataset_id: str, split: str, names: str = "", timeout_s: float = 300):
    """``at`` after Home's report was built: the build button clicked, the background task (see
    :mod:`pages._report`) waited for, the page run again (it then offers the download)."""
    from pages._cached_checks import task_registry
    from pages._report import task_key

    at.button(key="home_report_build").click().run()
    assert not at.exception, [e.value for e in at.exception]
    task = task_registry().get(task_key(model_id, dataset_id, split, names))
    assert task is not None, "the build button started no report"
    assert task.wait(timeout_s), "the report did not finish in time"
    assert task.snapshot().state == "done", task.snapshot().error
    return at.run()


def forget_report(model_id: str, dataset_id: str, split: str, names: str = "") -> None:
    """No report of this kind built or kept: Home offers to build it again (for the next test)."""
    from pages import _cached_report as cached_report
    from pages._cached_checks import task_registry
    from pages._report import task_key

    cached_report.report_html.clear()
    task_registry().forget(task_key(model_id, dataset_id, split, names))
