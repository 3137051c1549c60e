"""report.plot: the runtimes' colours, the same in every figure."""

import matplotlib

from wasmcu.report.plot import _plt, runtime_colors
from wasmcu.runtimes import RUNTIMES


def test_plt_is_pyplot_off_screen():
    plt = _plt()
    assert plt is matplotlib.pyplot
    assert matplotlib.get_backend().lower() == "agg"


def test_each_runtime_has_its_registry_colour_from_tab20():
    tab20 = matplotlib.colormaps["tab20"]
    order = list(RUNTIMES)
    colors = runtime_colors(order)
    assert set(colors) == set(order)
    for i, rt in enumerate(order):
        assert colors[rt] == tab20(i % tab20.N), rt


def test_colours_do_not_depend_on_which_runtimes_a_figure_shows():
    some = runtime_colors(["wasm3", "native"])
    everything = runtime_colors(list(RUNTIMES))
    assert some == {"wasm3": everything["wasm3"], "native": everything["native"]}
    assert runtime_colors([]) == {}


def test_every_registry_runtime_has_a_colour_of_its_own():
    colors = runtime_colors(list(RUNTIMES))
    assert len(set(colors.values())) == len(RUNTIMES)


def test_unknown_runtimes_come_after_the_registry_in_name_order():
    tab20 = matplotlib.colormaps["tab20"]
    colors = runtime_colors(["zz-other", "aa-other", "wasm3"])
    k = len(RUNTIMES)
    assert colors["aa-other"] == tab20(k % 20) and colors["zz-other"] == tab20((k + 1) % 20)
    assert colors["wasm3"] == tab20(list(RUNTIMES).index("wasm3"))


def test_more_runtimes_than_colours_wrap_around_the_palette():
    tab20 = matplotlib.colormaps["tab20"]
    extra = [f"other-{i:02d}" for i in range(30)]
    colors = runtime_colors(list(RUNTIMES) + extra)
    order = list(RUNTIMES) + sorted(extra)
    for i, rt in enumerate(order):
        assert colors[rt] == tab20(i % 20), rt
    assert colors[order[20]] == colors[order[0]]
