"""What a process keeps of its builds: shared by every viewer, and let go once no viewer can ask again."""

from benchmarks.dash_client import Viewer


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
