import ipywidgets as widgets
import matplotlib.pyplot as plt

from course.labs import LabView, build_lab
from course.labs.view import dropdown, slider


def make_lab(calls):
    def view(rate=3, mode="a", seed=0):
        calls.append((rate, mode))
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, rate])
        return LabView(result=rate * 2, figure=fig, summary=f"rate={rate} mode={mode}")

    return build_lab(view, [slider("rate", 0, 10), dropdown("mode", ["a", "b"])])


def test_every_control_change_reruns_and_shows_the_view(capsys):
    calls = []
    lab = make_lab(calls)
    assert calls == [(3, "a")]
    lab.controls["rate"].value = 7
    lab.controls["mode"].value = "b"
    assert calls == [(3, "a"), (7, "a"), (7, "b")]
    assert lab.result.result == 14
    assert "rate=7 mode=b" in capsys.readouterr().out


def test_values_beyond_a_slider_are_clamped_not_crashing():
    lab = make_lab([])
    lab.controls["rate"].value = 99
    assert lab.result.result == 20


def test_figures_are_closed_after_showing():
    plt.close("all")
    lab = make_lab([])
    for v in range(5):
        lab.controls["rate"].value = v
    assert plt.get_fignums() == []


def test_sliders_update_on_release_and_controls_are_laid_out_in_rows():
    lab = make_lab([])
    assert lab.controls["rate"].continuous_update is False
    assert isinstance(lab.children[0], widgets.HBox)
    assert isinstance(lab.children[-1], widgets.Output)
