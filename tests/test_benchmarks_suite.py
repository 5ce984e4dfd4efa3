"""The pure logic of the benchmark suite (benchmarks/): its arithmetic, purl comparison and SVG plot.

Nothing here times anything: the suite itself is run by hand (``python -m benchmarks run``).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from benchmarks.purls import compare, cyclonedx_purls, normalise
from benchmarks.stats import fit_power_law, pair_ratios, spread
from benchmarks.suite import BEGIN, END, publish
from benchmarks.svg import Series, scaling_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_spread_is_median_and_range() -> None:
    s = spread([3.0, 1.0, 2.0, 10.0])
    assert (s.median, s.low, s.high) == (2.5, 1.0, 10.0)
    assert s.format() == "2.50 (1.00-10.00)"
    assert spread([4.0]).format(1) == "4.0"


def test_spread_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError):
        spread([])


def test_pair_ratios_pair_rounds_and_skip_zero_denominators() -> None:
    assert pair_ratios([1.0, 2.0, 3.0], [2.0, 0.0, 6.0]) == [0.5, 0.5]
    # a command measured in fewer rounds is paired with the first rounds only
    assert pair_ratios([1.0, 2.0, 3.0], [4.0]) == [0.25]


def test_power_law_fit_recovers_exponent_and_coefficient() -> None:
    xs = [1_000, 10_000, 50_000, 100_000]
    fit = fit_power_law(xs, [0.002 * x**1.1 for x in xs])
    assert fit.exponent == pytest.approx(1.1)
    assert fit.coefficient == pytest.approx(0.002)
    assert fit.r2 == pytest.approx(1.0)
    assert fit.predict(20_000) == pytest.approx(0.002 * 20_000**1.1)


def test_power_law_fit_of_noisy_linear_data_is_near_one_with_r2_below_one() -> None:
    xs = [1, 10, 100, 1000]
    fit = fit_power_law(xs, [1.2, 9.0, 110.0, 950.0])
    assert 0.95 < fit.exponent < 1.02
    assert 0.99 < fit.r2 < 1.0


@pytest.mark.parametrize(("xs", "ys"), [([1.0], [1.0]), ([1.0, 2.0], [1.0]), ([0.0, 1.0], [1.0, 2.0]),
                                        ([5.0, 5.0], [1.0, 2.0])])
def test_power_law_fit_rejects_what_has_no_slope(xs: list[float], ys: list[float]) -> None:
    with pytest.raises(ValueError):
        fit_power_law(xs, ys)


@pytest.mark.parametrize(
    ("purl", "key"),
    [
        ("pkg:pypi/Zope.Interface@8.7", "pkg:pypi/zope-interface@8.7"),
        ("pkg:pypi/zope_interface@8.7?extension=whl#src", "pkg:pypi/zope-interface@8.7"),
        ("pkg:npm/%40Babel/Core@7.26.2", "pkg:npm/@babel/core@7.26.2"),
        ("pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12", "pkg:deb/debian/libc6@2.36-9"),
        ("pkg:deb/debian/libgcc-s1@12.2.0-14?arch=amd64&epoch=1", "pkg:deb/debian/libgcc-s1@1:12.2.0-14"),
        ("pkg:deb/debian/libgcc-s1@1%3A12.2.0-14?epoch=1", "pkg:deb/debian/libgcc-s1@1:12.2.0-14"),
        ("PKG:Generic/Thing", "pkg:generic/thing"),
        ("pkg:spack/openmpi@5.0.3?hash=abc", "pkg:spack/openmpi@5.0.3"),
    ],
)
def test_normalise_makes_spellings_of_one_package_equal(purl: str, key: str) -> None:
    assert normalise(purl) == key


@pytest.mark.parametrize("text", ["", "cpe:2.3:a:x:y:1", "pkg:pypi", "https://example.org/x"])
def test_normalise_refuses_what_is_not_a_purl(text: str) -> None:
    assert normalise(text) is None


def test_cyclonedx_purls_include_nested_components_and_skip_the_subject() -> None:
    doc = {
        "metadata": {"component": {"purl": "pkg:generic/the-subject@1"}},
        "components": [
            {"name": "a", "purl": "pkg:pypi/A_b@1"},
            {"name": "no purl"},
            {"name": "image", "purl": "pkg:oci/img@sha256:1", "components": [{"purl": "pkg:deb/debian/z@2?arch=all"}]},
        ],
    }
    assert cyclonedx_purls(doc) == {"pkg:pypi/a-b@1", "pkg:oci/img@sha256:1", "pkg:deb/debian/z@2"}


def test_compare_lists_each_side_and_pairs_version_mismatches() -> None:
    ours = {"pkg:pypi/a@1", "pkg:pypi/b@2", "pkg:deb/debian/c@3"}
    theirs = {"pkg:pypi/a@1", "pkg:pypi/b@2.0", "pkg:npm/d@4", "pkg:npm/e@5"}
    d = compare(ours, theirs)
    assert d.common == 1
    assert d.only_ours == ("pkg:deb/debian/c@3", "pkg:pypi/b@2")
    assert d.only_theirs == ("pkg:npm/d@4", "pkg:npm/e@5", "pkg:pypi/b@2.0")
    assert d.other_version == (("pkg:pypi/b@2", "pkg:pypi/b@2.0"),)
    assert d.by_type("theirs") == {"npm": 2, "pypi": 1}
    assert d.by_type("ours") == {"deb": 1, "pypi": 1}


def _series(n: int) -> Series:
    xs = [1_000 * 10**i for i in range(n)]
    points = tuple((float(x), 0.5 + x / 2000) for x in xs)
    return Series(title="wall time <s>", unit="s", points=points, fit=fit_power_law(*zip(*points, strict=True)))


@pytest.mark.parametrize("panels", [1, 2])
def test_scaling_svg_is_valid_xml_with_one_circle_per_point(panels: int) -> None:
    series = [_series(4), _series(3)][:panels]
    root = ET.fromstring(scaling_svg(series, x_label="components & more", caption="a < b").encode())
    assert root.tag == f"{SVG}svg"
    assert len(root.findall(f"{SVG}circle")) == sum(len(s.points) for s in series)
    # one dashed fit line per panel, and text escaped, not dropped
    assert len([e for e in root.findall(f"{SVG}line") if e.get("stroke-dasharray")]) == panels
    texts = [e.text for e in root.iter(f"{SVG}text")]
    assert "a < b" in texts
    assert any(t and t.startswith("wall time <s>") for t in texts)


def test_scaling_svg_puts_points_in_order_left_to_right_and_bigger_values_higher() -> None:
    root = ET.fromstring(scaling_svg([_series(3)], x_label="n").encode())
    circles = [(float(c.get("cx", "nan")), float(c.get("cy", "nan"))) for c in root.findall(f"{SVG}circle")]
    assert all(not math.isnan(v) for c in circles for v in c)
    assert [c[0] for c in circles] == sorted(c[0] for c in circles)
    assert [c[1] for c in circles] == sorted((c[1] for c in circles), reverse=True)


def test_publish_replaces_only_the_marked_block(tmp_path: Path) -> None:
    doc = tmp_path / "performance.md"
    doc.write_text(f"# Performance\n\nprose before\n\n{BEGIN}\nold table\n{END}\n\nprose after\n", encoding="utf-8")
    svg = tmp_path / "plot.svg"
    publish(f"{BEGIN}\nnew table\n{END}\n", "<svg/>", doc=doc, svg_path=svg)
    assert doc.read_text(encoding="utf-8") == (
        f"# Performance\n\nprose before\n\n{BEGIN}\nnew table\n{END}\n\nprose after\n"
    )
    assert svg.read_text(encoding="utf-8") == "<svg/>"
