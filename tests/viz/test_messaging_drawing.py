import math

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex
from matplotlib.text import Text

from course.messaging import (
    BREAKER,
    Faults,
    QueueScenario,
    RetryPolicy,
    failure_drill,
    request_reply,
    ride_burst,
    simulate,
    sync_vs_queue,
    worker_sweep,
)
from course.sim import ConstantRate, Poisson, Spike
from course.viz import OKABE_ITO, utilization_colour
from course.viz.messaging import (
    COLOURS,
    FONT,
    consumer_utilization,
    draw_messages_over_time,
    draw_queue,
    draw_queue_dashboard,
    draw_queue_latency,
    queue_graph,
    queue_layout,
)
from course.viz.messaging_compare import (
    draw_burst_comparison,
    draw_request_reply,
    draw_retry_storm,
    draw_sync_vs_queue,
    draw_worker_sweep,
)

RUSH = QueueScenario(source=Spike(base=1, peak=100, start=60, duration=5), processing=0.2, consumers=4, produce_for=180)


@pytest.fixture(scope="module")
def flaky():
    scenario = QueueScenario(
        source=Spike(base=5, peak=60, start=5, duration=3), processing=0.2, consumers=3, capacity=50,
        faults=Faults(failure_rate=0.1, poison={2}), retry=RetryPolicy(base=0.2, max_attempts=3), produce_for=20,
    )  # fmt: skip
    return simulate(scenario, until=60, seed=1)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_the_graph_carries_every_flow_of_the_run(flaky):
    g, s = queue_graph(flaky), flaky.summary()
    assert g.edges["producers", "queue"]["flow"] == s.produced - s.rejected
    assert g.edges["producers", "rejected"]["flow"] == s.rejected > 0
    assert sum(g.edges["queue", f"consumer {c}"]["flow"] for c in range(3)) == s.deliveries
    assert sum(g.edges[f"consumer {c}", "acked"]["flow"] for c in range(3)) == s.served
    retried = g.edges["retry", "queue"]["flow"]
    assert retried == sum(
        g.edges[f"consumer {c}", "retry"]["flow"] for c in range(3) if g.has_edge(f"consumer {c}", "retry")
    )
    assert retried == s.deliveries - s.served - s.dead_lettered
    assert g.nodes["dlq"]["label"] == f"DLQ\n{s.dead_lettered}"


def test_losses_are_dashed_and_everything_else_solid(flaky):
    for _, target, data in queue_graph(flaky).edges(data=True):
        assert data.get("style", "solid") == ("dashed" if target == "rejected" else "solid")


def test_consumers_are_filled_by_their_own_utilization(flaky):
    _, ax = plt.subplots()
    artists = draw_queue(flaky, ax=ax)
    nodes = list(queue_graph(flaky).nodes)
    fills = artists["nodes"].get_facecolors()
    use = consumer_utilization(flaky)
    for c in range(3):
        assert tuple(fills[nodes.index(f"consumer {c}")]) == pytest.approx(utilization_colour(use[c]))


def test_consumer_utilization_adds_up_to_the_pool_busy_time():
    res = simulate(QueueScenario(source=Poisson(rate=8), processing=0.4, consumers=4, produce_for=30), until=40, seed=2)
    assert sum(consumer_utilization(res)) * res.until == pytest.approx(res.busy_time, rel=1e-6)


def test_the_layout_depends_only_on_which_nodes_exist(flaky):
    quiet = simulate(QueueScenario(source=ConstantRate(rate=1), consumers=3), until=5)
    a, b = queue_layout(queue_graph(quiet)), queue_layout(queue_graph(flaky))
    assert "rejected" in b and "rejected" not in a
    assert all(b[node] == xy for node, xy in a.items())


def test_ten_consumers_do_not_overlap():
    res = simulate(QueueScenario(consumers=10), until=2)
    pos = queue_layout(queue_graph(res))
    points = [pos[f"consumer {c}"] for c in range(10)]
    closest = min(math.dist(p, q) for i, p in enumerate(points) for q in points[i + 1 :])
    assert closest > 2 * 0.15  # the drawing's node radius


def test_partitions_are_drawn_as_their_own_nodes():
    res = simulate(QueueScenario(source=Poisson(rate=10), partitions=3, consumers=3, keys=9), until=10)
    g = queue_graph(res)
    assert {"partition 0", "partition 1", "partition 2"} <= set(g.nodes) and "queue" not in g.nodes
    xs = {queue_layout(g)[f"partition {p}"][0] for p in range(3)}
    assert len(xs) == 1  # one column


def test_the_dashboard_has_a_graph_and_two_charts_on_a_fixed_time_axis(flaky):
    fig, artists = draw_queue_dashboard(flaky, span=(5, 8), xmax=60)  # capacity comes from the scenario
    assert len(fig.axes) == 3 and set(artists) == {"graph", "messages", "latency"}
    assert fig.axes[1].get_xlim() == (0, 60)
    assert artists["latency"]["p99"].get_linestyle() == "--"
    assert fig.dpi == 100


def test_the_message_chart_counts_losses_cumulatively_and_the_dlq_at_bin_ends(flaky):
    ts = flaky.timeseries(1.0)
    artists = draw_messages_over_time(ts)
    lost = list(artists["lost"].get_ydata())
    assert lost == sorted(lost) and lost[-1] == sum(ts.rejected) == flaky.summary().rejected
    assert list(artists["dlq"].get_ydata())[-1] == flaky.summary().dead_lettered
    styles = {artists[k].get_linestyle() for k in ("held", "lost", "dlq")}
    assert len(styles) == 3  # told apart without colour
    markers = {artists[k].get_marker() for k in ("held", "lost", "dlq")}
    starts = {artists[k].get_markevery()[0] for k in ("held", "lost", "dlq")}
    assert len(markers) == len(starts) == 3  # lines that coincide (all at 0, say) still show their own markers


def test_a_run_with_nothing_acked_says_so():
    res = simulate(QueueScenario(consumers=0), until=5)
    _, ax = plt.subplots()
    draw_queue_latency(res.timeseries(1.0), ax=ax)
    assert "no message acked" in [t.get_text() for t in ax.texts]


def test_the_lesson_charts_draw_the_scenarios():
    fig, artists = draw_burst_comparison(ride_burst(RUSH, until=240))
    assert len(fig.axes) == 3 and sum(p.get_height() for p in artists["rejected"]) == 400
    rows = worker_sweep(QueueScenario(source=Poisson(rate=8), processing=0.4), workers=(1, 4), until=30)
    fig, artists = draw_worker_sweep(rows, rate=8.0)
    assert list(artists["throughput"].get_xdata()) == [1, 4]
    rows = sync_vs_queue(QueueScenario(processing=0.05, consumers=2, poll_interval=0.5), rates=(4.0, 20.0), until=30)
    fig, artists = draw_sync_vs_queue(rows)
    assert list(artists["queue_p99"].get_ydata()) == [r.queue_p99 for r in rows]
    runs = {"at once": simulate(failure_drill(RetryPolicy(backoff="none", max_attempts=3), produce_for=25), until=30)}
    fig, artists = draw_retry_storm(runs, outage=(20, 30), xmax=40)
    assert set(artists) == {"at once"} and fig.axes[0].get_xlim() == (0, 40)
    assert set(artists["at once"]) == {"calls", "acks"}


def texts(fig):
    return [t for t in fig.findobj(Text) if t.get_text().strip() and t.get_visible()]


def lesson_figures():
    drill = failure_drill(produce_for=30)
    storm = {
        "plain": simulate(drill, until=40),
        "breaker": simulate(failure_drill(breaker=BREAKER, produce_for=30), until=40),
    }
    mixed = QueueScenario(source=(Poisson(rate=5), Spike(base=0, peak=400, start=10, duration=5)), processing=0.05,
                          consumers=4, produce_for=40)  # fmt: skip
    return {
        "dashboard": draw_queue_dashboard(simulate(QueueScenario.example(), until=60))[0],
        "burst": draw_burst_comparison(ride_burst(RUSH, until=240))[0],
        "workers": draw_worker_sweep(worker_sweep(QueueScenario(source=Poisson(rate=8), processing=0.4),
                                                  workers=(1, 4), until=30), rate=8.0)[0],
        "sync": draw_sync_vs_queue(sync_vs_queue(QueueScenario(processing=0.05, consumers=2), rates=(4.0,),
                                                 until=30))[0],
        "request_reply": draw_request_reply(request_reply(mixed, until=60))[0],
        "storm": draw_retry_storm(storm)[0],
    }  # fmt: skip


def test_no_text_is_smaller_than_8_points_at_100_dpi():
    for name, fig in lesson_figures().items():
        assert fig.dpi >= 100, name
        small = sorted({(t.get_text()[:20], t.get_fontsize()) for t in texts(fig) if t.get_fontsize() < FONT})
        assert not small, f"{name}: text under {FONT} pt: {small}"


def test_legends_sit_above_the_data_never_on_it():
    for name, fig in lesson_figures().items():
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        for ax in fig.axes:
            legend = ax.get_legend()
            if legend is not None:
                box, area = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
                assert box.y0 >= area.y1 - 1, f"{name}: a legend overlaps its axes"


def test_the_burst_chart_keeps_one_colour_per_set_up_in_every_panel():
    _, artists = draw_burst_comparison(ride_burst(RUSH, until=240))
    no_queue = {to_hex(artists["rejected"][0].get_facecolor()), to_hex(artists["direct_p99"].get_color())}
    queue = {to_hex(artists[k].get_color()) for k in ("queue_rejected", "depth", "queue_p99")}
    assert no_queue == {OKABE_ITO["vermillion"].lower()} and queue == {OKABE_ITO["blue"].lower()}


def test_the_dashboard_gives_each_colour_one_meaning():
    _, artists = draw_queue_dashboard(simulate(QueueScenario.example(), until=60))
    lost = to_hex(artists["messages"]["lost"].get_color())
    latency = {to_hex(artists["latency"][k].get_color()) for k in ("p50", "p99")}
    assert lost == COLOURS["lost"].lower() and latency == {COLOURS["latency"].lower()}
    assert lost not in latency


def test_series_that_stay_at_zero_say_so_in_the_legend():
    res = simulate(QueueScenario(source=ConstantRate(rate=2), processing=0.6, consumers=1), until=10)  # a backlog
    draw_messages_over_time(res.timeseries(1.0))
    labels = [t.get_text() for t in plt.gca().get_legend().get_texts()]
    assert labels == ["queued", "+ waiting to retry (none)", "held (none)", "lost (none)", "DLQ (none)"]


def test_the_storm_chart_shades_the_breaker_and_keeps_zero_on_its_axis():
    drill = failure_drill(breaker=BREAKER, produce_for=30)
    fig, _ = draw_retry_storm({"breaker": simulate(drill, until=40)})
    ax = fig.axes[0]
    assert ax.get_yscale() == "symlog" and ax.get_ylim()[0] == 0
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "breaker open" in legend and "outage: every call refused" in legend
    fig, _ = draw_retry_storm({"plain": simulate(failure_drill(produce_for=30), until=40)})
    assert "breaker open" not in [t.get_text() for t in fig.legends[0].get_texts()]


def test_the_request_reply_chart_shows_every_request_once():
    mixed = QueueScenario(source=(Poisson(rate=5), Spike(base=0, peak=400, start=10, duration=5)), processing=0.05,
                          consumers=4, produce_for=40)  # fmt: skip
    rr = request_reply(mixed, until=60)
    _, artists = draw_request_reply(rr)
    shown = sum(len(artists[k].get_offsets()) for k in ("answered", "orphans", "waiting"))
    assert shown == len(rr.records) and len(artists["orphans"].get_offsets()) == rr.summary().orphans
    assert artists["budget"].get_ydata()[0] == 0.5
