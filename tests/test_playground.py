"""The hyperparameter playground's maths (CPython): geometry, validity, windows, inputs,
kernels and the HTML the page shows."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyapp.cnn.model import tinyvgg
from pyapp.cnn.ops import conv2d
from pyapp.playground import view
from pyapp.playground.compute import compute
from pyapp.playground.geometry import (
    Settings,
    apply_change,
    clamp_settings,
    control_ranges,
    neighbour,
    output_size,
    output_size_working,
)
from pyapp.playground.inputs import as_unit_image, image_patch, integer_matrix
from pyapp.playground.kernels import classic_kernel, network_kernel
from pyapp.playground.session import Choices, evaluate, first_conv_kernels
from pyapp.playground.validity import check, used_mask


@st.composite
def any_settings(draw: st.DrawFn) -> Settings:
    """Every combination the controls allow: n 3..16, k 1..n, p 0..k-1, s 1..n, d 1..3."""
    n = draw(st.integers(3, 16))
    k = draw(st.integers(1, n))
    p = draw(st.integers(0, k - 1))
    s = draw(st.integers(1, n))
    d = draw(st.integers(1, 3))
    return Settings(input_size=n, padding=p, kernel_size=k, stride=s, dilation=d)


@settings(max_examples=300, deadline=None)
@given(any_settings())
def test_output_size_formula_matches_the_convolution(s: Settings) -> None:
    """floor((n + 2p - d(k - 1) - 1) / s) + 1 is the actual conv2d output side."""
    formula = output_size(s.input_size, s.kernel_size, s.stride, s.padding, s.dilation)
    assert formula == output_size_working(s).result
    x = np.ones((s.input_size, s.input_size, 1))
    w = np.ones((s.kernel_size, s.kernel_size, 1, 1))
    if formula >= 1:
        out = conv2d(x, w, strides=s.stride, padding=s.padding, dilation=s.dilation)
        assert out.shape == (formula, formula, 1)
        assert check(s).computable
    else:
        with pytest.raises(ValueError):
            conv2d(x, w, strides=s.stride, padding=s.padding, dilation=s.dilation)
        validity = check(s)
        assert not validity.computable
        assert validity.issues[0].kind == "kernel-too-big"


@settings(max_examples=120, deadline=None)
@given(any_settings(), st.integers(0, 5))
def test_every_window_is_the_output_value(s: Settings, seed: int) -> None:
    """Each output cell's shown window, products and sum reproduce conv2d's value, and the
    marked 'used' cells are exactly the union of all windows."""
    matrix = integer_matrix(s.input_size, seed)
    kernel = np.random.default_rng(seed).integers(-3, 4, (s.kernel_size, s.kernel_size))
    result = compute(s, matrix, kernel)
    reached = np.zeros_like(result.is_padding)
    if result.output is None:
        assert result.output_side == 0 and not result.used.any()
        return
    assert result.output.shape == (output_size_working(s).result,) * 2
    for i, j in result.order():
        win = result.window(i, j)
        assert win.total == result.output[i, j]  # whole numbers: exact
        for (r, c), value in zip(win.cells, win.values, strict=True):
            assert result.padded[r, c] == value
            reached[r, c] = True
        assert win.products == tuple(v * w for v, w in zip(win.values, win.weights,
                                                            strict=True))
    assert np.array_equal(reached, used_mask(s))


def test_padding_is_zeros_around_the_input() -> None:
    s = Settings(input_size=4, padding=2, kernel_size=3)
    m = integer_matrix(4, 1)
    r = compute(s, m, classic_kernel("blur", 3).matrix)
    assert r.padded.shape == (8, 8)
    assert np.array_equal(r.padded[2:6, 2:6], m)
    assert np.all(r.padded[r.is_padding] == 0)
    assert r.is_padding.sum() == 64 - 16


def test_kernel_that_does_not_fit_is_explained() -> None:
    s = Settings(input_size=3, padding=0, kernel_size=3, stride=1, dilation=2)
    validity = check(s)
    assert not validity.computable and not validity.ok
    message = validity.issues[0].message
    assert "does not fit" in message and "5 cells" in message and "3 cells" in message
    r = compute(s, integer_matrix(3), classic_kernel("edge", 3).matrix)
    assert r.output is None and r.working.result == -1


def test_stride_leftover_is_flagged_computed_and_marked() -> None:
    s = Settings(input_size=5, padding=0, kernel_size=2, stride=2, dilation=1)
    validity = check(s)
    kinds = [issue.kind for issue in validity.issues]
    assert validity.computable and "stride-leftover" in kinds and "unused-cells" in kinds
    text = " ".join(issue.message for issue in validity.issues)
    assert "never read" in text and "3 mod 2 = 1" in text and "9 input cells of 25" in text
    r = compute(s, integer_matrix(5), classic_kernel("blur", 2).matrix)
    assert r.output is not None and r.output.shape == (2, 2)
    unused = ~r.used & ~r.is_padding
    assert unused[4, :].all() and unused[:, 4].all() and unused.sum() == 9


def test_gaps_between_windows_are_flagged() -> None:
    dil = check(Settings(input_size=5, padding=0, kernel_size=2, stride=2, dilation=2))
    assert "dilation-gaps" in [i.kind for i in dil.issues]
    gap = check(Settings(input_size=6, padding=0, kernel_size=2, stride=4, dilation=1))
    assert "stride-gaps" in [i.kind for i in gap.issues]


def test_padding_only_leftover_is_a_note() -> None:
    validity = check(Settings(input_size=4, padding=1, kernel_size=3, stride=2))
    assert validity.ok and [i.kind for i in validity.issues] == ["stride-leftover-padding"]


def test_clean_settings_have_no_issues() -> None:
    assert check(Settings(5, 0, 3, 1, 1)).issues == ()
    assert check(Settings(7, 1, 3, 2, 1)).issues == ()


def test_controls_clamp_and_parse() -> None:
    s = Settings(input_size=10, padding=5, kernel_size=8, stride=9, dilation=3)
    smaller = apply_change(s, "input_size", "4")
    assert smaller == Settings(input_size=4, padding=3, kernel_size=4, stride=4, dilation=3)
    assert apply_change(s, "kernel_size", "2").padding == 1
    assert apply_change(s, "stride", "abc") == s
    assert apply_change(s, "stride", "2.5") == s
    assert apply_change(s, "dilation", 99).dilation == 3
    assert apply_change(s, "input_size", "1").input_size == 3
    ranges = control_ranges(Settings(6, 0, 4, 1, 1))
    assert (ranges["padding"].minimum, ranges["padding"].maximum) == (0, 3)
    assert ranges["kernel_size"].maximum == 6 and ranges["stride"].maximum == 6
    assert (ranges["input_size"].minimum, ranges["input_size"].maximum) == (3, 16)
    assert (ranges["dilation"].minimum, ranges["dilation"].maximum) == (1, 3)
    assert clamp_settings(Settings(40, 0, 0, 0, 0)) == Settings(16, 0, 1, 1, 1)
    with pytest.raises(KeyError):
        apply_change(s, "colour", 1)


def test_arrow_keys_stay_in_the_grid() -> None:
    assert neighbour((0, 0), "ArrowUp", 3) == (0, 0)
    assert neighbour((0, 0), "ArrowRight", 3) == (0, 1)
    assert neighbour((2, 2), "ArrowDown", 3) == (2, 2)
    assert neighbour((1, 1), "End", 3) == (2, 2)
    assert neighbour((1, 1), "Home", 3) == (0, 0)


def test_classic_kernels() -> None:
    for k in range(1, 8):
        assert classic_kernel("edge", k).matrix.sum() == 0
        assert np.isclose(classic_kernel("blur", k).matrix.sum(), 1)
        assert classic_kernel("sharpen", k).matrix.sum() == 1
        assert classic_kernel("edge", k).is_integer and classic_kernel("sharpen", k).is_integer
    assert np.array_equal(classic_kernel("sharpen", 3).matrix,
                          [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
    with pytest.raises(ValueError):
        classic_kernel("emboss", 3)


def test_network_kernel_is_the_models_own() -> None:
    model = tinyvgg(rng=3)
    net = first_conv_kernels(model)
    assert net is not None and net.layer == "conv_1_1" and net.filters == 10
    weights = model.layer("conv_1_1").weights["kernel"]
    same = network_kernel(net.weights, net.layer, 1, 4, 3)
    assert np.array_equal(same.matrix, weights[:, :, 1, 4]) and same.note == ""
    small = network_kernel(net.weights, net.layer, 0, 0, 1)
    assert small.matrix[0, 0] == weights[1, 1, 0, 0] and "centre" in small.note
    big = network_kernel(net.weights, net.layer, 0, 0, 5)
    assert np.array_equal(big.matrix[1:4, 1:4], weights[:, :, 0, 0])
    assert big.matrix.sum() == pytest.approx(float(weights[:, :, 0, 0].sum()))
    assert "zeros" in big.note


def test_image_patch_is_an_area_average() -> None:
    rng = np.random.default_rng(0)
    image = rng.random((64, 64, 3)).astype(np.float32)
    patch = image_patch(image, 2, 16)
    blocks = image[:, :, 2].reshape(16, 4, 16, 4).mean(axis=(1, 3))
    assert patch.shape == (16, 16) and np.allclose(patch, blocks, atol=1e-5)
    assert np.allclose(image_patch(np.full((30, 30, 3), 0.25), 0, 7), 0.25)
    assert np.allclose(as_unit_image(np.full((2, 2, 3), 255, np.uint8)), 1.0)


def test_integer_matrix_is_small_whole_numbers_and_stable() -> None:
    big = integer_matrix(16, 7)
    assert big.min() >= 0 and big.max() <= 9 and np.array_equal(big, np.round(big))
    assert np.array_equal(integer_matrix(5, 7), big[:5, :5])
    assert not np.array_equal(integer_matrix(16, 8), big)


def test_session_uses_the_image_and_the_network() -> None:
    model = tinyvgg(rng=1)
    image = np.random.default_rng(2).random((64, 64, 3)).astype(np.float32)
    net = first_conv_kernels(model)
    s = Settings(8, 1, 3, 2, 1)
    result, kernel = evaluate(s, Choices("image-1", "network-3"), image, net)
    assert np.allclose(result.input, image_patch(image, 1, 8))
    assert np.array_equal(kernel.matrix, model.layer("conv_1_1").weights["kernel"][:, :, 1, 3])
    assert result.output is not None
    assert result.window(1, 2).total == pytest.approx(float(result.output[1, 2]))
    ints, classic = evaluate(s, Choices("integers", "blur", seed=4), None, None)
    assert np.array_equal(ints.input, integer_matrix(8, 4)) and classic.key == "blur"


def test_view_draws_what_the_maths_returns() -> None:
    s = Settings(input_size=5, padding=1, kernel_size=3, stride=2, dilation=1)
    r = compute(s, integer_matrix(5, 0), classic_kernel("sharpen", 3).matrix)
    html = view.stage_html(r)
    assert html.count('id="pg-in-') == 49 and html.count("pg-padding") == 49 - 25
    assert html.count('id="pg-out-') == r.output_side ** 2 == 9
    assert html.count('id="pg-k-') == 9
    w = r.window(1, 0)
    detail = view.window_html(r, w)
    total = view.fmt(w.total, integer=True)
    assert f'<strong class="pg-total">{total}</strong>' in detail
    formula = view.formula_html(r)
    assert formula.count("<math") == 2 and "<mn>5</mn>" in formula and "<mn>3</mn>" in formula
    assert "pg-ok" in view.issues_html(r)
    bad = compute(Settings(3, 0, 3, 1, 3), integer_matrix(3), classic_kernel("edge", 3).matrix)
    assert "pg-error" in view.issues_html(bad) and "pg-out-" not in view.stage_html(bad)
    controls = view.controls_html(s)
    for name in ("input_size", "padding", "kernel_size", "stride", "dilation"):
        assert f'id="pg-{name}-range"' in controls and f'id="pg-{name}-box"' in controls


def test_long_windows_are_summarised() -> None:
    s = Settings(input_size=12, padding=0, kernel_size=7)
    r = compute(s, integer_matrix(12, 3), classic_kernel("edge", 7).matrix)
    detail = view.window_html(r, r.window(0, 0))
    assert "24 more products" in detail


def test_nothing_is_marked_unused_when_nothing_is_computed() -> None:
    bad = compute(Settings(3, 0, 3, 1, 2), integer_matrix(3), classic_kernel("blur", 3).matrix)
    assert "pg-unused" not in view.stage_html(bad)
