"""report.html in a real headless Chromium: charts and timelines draw, agent text runs nothing.

Needs Debian's `chromium` (`apt-get install -y chromium`; .ci/run installs it) and Python
playwright (dev extra), driven with `executable_path`: `playwright install` is never needed.
"""

from pathlib import Path

from chaos.report import load_results, write_reports
from tests.conftest import needs_chromium
from tests.report.conftest import HOSTILE, inject_hostile_text

pytestmark = needs_chromium


def _open(browser, path: Path):
    """A page with the report loaded; `seen` collects errors and any request off the file."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen = []
    page.on("console", lambda m: seen.append(f"console {m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.append(f"page error: {e}"))
    page.on("request", lambda r: seen.append(f"request: {r.url}")
            if not r.url.startswith(("file:", "data:")) else None)
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelectorAll('.chart .main-svg').length > 0")
    return page, seen


def _open_timeline(page, key: str) -> str:
    details = page.locator("details.episode", has_text=key).first
    details.locator("summary").click()
    timeline = details.get_attribute("data-timeline")
    page.wait_for_selector(f"#{timeline} .main-svg")
    return timeline


def test_charts_and_a_timeline_render_offline(browser, sports_run, fresh_copy):
    run = fresh_copy(sports_run)
    results = load_results(run)
    (path,) = write_reports(run, results, ["html"])
    page, seen = _open(browser, path)
    charts = page.locator(".chart").count()
    assert charts >= 3
    assert page.locator(".chart .main-svg").count() >= charts  # every chart drew its SVG
    assert page.locator(".chart .barlayer .point").count() > 0  # with bars in it
    assert page.locator(".timeline .main-svg").count() == 0  # timelines wait to be opened
    episode = next(e for e in results.episodes
                   if e.model == "scripted/naive" and e.arm == "chaos")
    timeline = _open_timeline(page, episode.key)
    lanes = page.locator(f"#{timeline} .ytick").all_text_contents()
    assert [f"fault {f.id}" for f in episode.faults] == lanes[-len(episode.faults):][::-1]
    assert page.locator(f"#{timeline} .scatterlayer .point").count() > 10
    assert page.locator(f"#{timeline} .barlayer .point").count() > 0
    assert seen == []


def test_agent_text_in_a_trace_runs_nothing(browser, sports_run, fresh_copy):
    run = fresh_copy(sports_run)
    key = inject_hostile_text(run)
    (path,) = write_reports(run, load_results(run), ["html"])
    page, seen = _open(browser, path)
    timeline = _open_timeline(page, key)
    # Show the hover label of the hostile issue report: plotly must draw it as text.
    label = page.evaluate(
        """(id) => {
            const plot = document.getElementById(id);
            const curve = plot.data.findIndex(t => t.name.startsWith("issue reported"));
            const point = plot.data[curve].hovertext.findIndex(t => t.includes("pwned"));
            Plotly.Fx.hover(plot, [{curveNumber: curve, pointNumber: point}]);
            return plot.querySelector(".hoverlayer .hovertext").textContent;
        }""", timeline)
    for said in HOSTILE:
        assert said in label  # as typed: no tag read, no entity left
    assert page.evaluate("window.pwned") is None
    assert page.locator("img[src=x]").count() == 0
    assert page.locator("a[href^=javascript]").count() == 0
    text = page.inner_text("body")
    for said in HOSTILE:
        assert said in text  # shown to the reader, as typed
    assert seen == []
