"""Projections: a checkpoint, catching up in batches, skipping redelivered events, rebuilding from position 0."""

from hypothesis import given
from hypothesis import strategies as st

from course.eventsourcing import (
    UPCASTERS,
    CityView,
    EventSourcingScenario,
    EventStore,
    HistoryView,
    Projection,
    RidePaidV1,
    RideRequested,
    city_dashboard,
    rider_history,
    simulate,
)

RUN = simulate(EventSourcingScenario.example(), until=40, seed=3)


def completed_per_city(store):
    """An independent count: completed rides per city, from the raw events."""
    city = {r.event.ride: r.event.city for r in store.read_all() if r.type == "RideRequested"}
    out = {}
    for r in store.read_all():
        if r.type == "RideCompleted":
            out[city[r.event.ride]] = out.get(city[r.event.ride], 0) + 1
    return out


def test_the_dashboard_counts_what_the_log_says():
    board = Projection("city dashboard", city_dashboard, CityView)
    assert board.catch_up(RUN.store) == len(RUN.store) and board.lag(RUN.store) == 0
    assert {c: n for c, n in board.view.completed.items() if n} == completed_per_city(RUN.store)
    assert all(n >= 0 for n in [*board.view.waiting.values(), *board.view.riding.values()])


@given(st.lists(st.integers(1, 97), min_size=1, max_size=12))
def test_catching_up_in_batches_of_any_size_gives_the_same_view(limits):
    whole = Projection("a", city_dashboard, CityView)
    whole.catch_up(RUN.store)
    batched = Projection("b", city_dashboard, CityView)
    i = 0
    while batched.lag(RUN.store):
        batched.catch_up(RUN.store, limit=limits[i % len(limits)])
        i += 1
    assert batched.view == whole.view and batched.position == whole.position


@given(st.lists(st.integers(0, 5), min_size=1, max_size=30))
def test_redelivered_events_are_applied_once(backs):
    log = RUN.store.read_all()[:150]
    once = Projection("once", city_dashboard, CityView)
    for r in log:
        once.deliver(r)
    again = Projection("again", city_dashboard, CityView)
    redelivered = 0
    for i, r in enumerate(log):
        again.deliver(r)
        back = backs[i % len(backs)]
        for old in log[max(0, i - back) : i + 1]:  # a crash before the checkpoint was saved: these come again
            assert again.deliver(old) is False
            redelivered += 1
    assert again.view == once.view and again.duplicates == redelivered


def test_a_rebuild_from_position_zero_equals_a_fresh_projection_even_with_a_new_handler():
    def count_requests(view, recorded):
        if recorded.type == "RideRequested":
            view[recorded.event.city] = view.get(recorded.event.city, 0) + 1

    board = Projection("city dashboard", count_requests)
    board.catch_up(RUN.store)
    assert board.rebuild(RUN.store, handle=city_dashboard, initial=CityView) == len(RUN.store)
    fresh = Projection("fresh", city_dashboard, CityView)
    fresh.catch_up(RUN.store)
    assert board.view == fresh.view and board.position == fresh.position == len(RUN.store)


def test_rider_history_tells_each_rider_their_rides_in_order():
    history = Projection("rider history", rider_history, HistoryView)
    history.catch_up(RUN.store)
    rider = next(r.event.rider for r in RUN.store.read_all() if r.type == "RideRequested")
    lines = history.view.of(rider)
    requested = [r.event.ride for r in RUN.store.read_all() if r.type == "RideRequested" and r.event.rider == rider]
    assert sum("requested a ride" in line for line in lines) == len(requested)
    times = [float(line.split(" s")[0]) for line in lines]
    assert times == sorted(times) and history.view.of("nobody") == []


def test_a_projection_with_upcasters_reads_old_events_in_the_new_shape():
    store = EventStore()
    store.append("ride-1", [RideRequested("ride-1", "ana", "paris"), RidePaidV1("ride-1", 9.99)])
    history = Projection("rider history", rider_history, HistoryView, upcasters=UPCASTERS)
    history.catch_up(store)
    assert history.view.of("ana")[-1].endswith("ride-1: paid 9.99 EUR")
