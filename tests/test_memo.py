"""What a process keeps of its builds: shared by every viewer, and let go once no viewer can ask again."""

import threading

import pytest

from benchmarks.dash_client import Viewer
from dashboard.readmodel import Lru


def test_views_of_an_older_generation_are_let_go(live_wall):
    wall = live_wall.wall
    wall.read.ttl = 0  # the test moves the clock itself
    viewer = Viewer(wall.server.test_client())
    generations = set()
    for _ in range(4):
        live_wall.source.advance(3600)  # an hour later every feed has new data
        for feed in ("air", "traffic", "incidents"):
            wall.poller.poll(feed)
        assert viewer.sync().status == 200
        generations.add(wall.read.generation)
    assert len(generations) == 4
    # Only views of the newest generation are kept: each older one held a whole wall of builds.
    kept = {signature[0] for signature in wall.builds._views._items}
    assert kept == {wall.read.generation}


def test_a_build_asked_for_by_many_at_once_is_made_once_and_shared():
    """Viewers asking for the same part at once get one build: two makings of it could differ
    (a trend's axis ends when it was built), and one token must name one value."""
    started, release, made = threading.Event(), threading.Event(), []

    def make():
        made.append(threading.get_ident())
        started.set()
        release.wait(10)
        return object()

    cache, got = Lru(8), []
    askers = [threading.Thread(target=lambda: got.append(cache.get("part", make))) for _ in range(8)]
    askers[0].start()
    started.wait(10)
    for asker in askers[1:]:
        asker.start()
    release.set()
    for asker in askers:
        asker.join(10)
    assert len(made) == 1 and len(got) == 8 and len({id(value) for value in got}) == 1


def test_a_failed_build_is_tried_again_by_the_next_asker():
    cache, calls = Lru(8), []

    def fail():
        calls.append("fail")
        raise RuntimeError("upstream frame unreadable")

    with pytest.raises(RuntimeError):
        cache.get("part", fail)
    assert cache.get("part", lambda: "built") == "built" and calls == ["fail"]
