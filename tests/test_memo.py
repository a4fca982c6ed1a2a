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


def test_what_a_moved_part_is_sent_does_not_depend_on_what_the_browser_held(live_wall):
    """A touch and a tick in flight together are both answered from the same tokens, and both
    answers reach the browser: each must be right over whatever the other left there."""
    from dash import Patch, no_update

    from layouts.spec import FIGURE

    wall = live_wall.wall
    builds = wall.builds
    earlier = [wall.read.view("ko", None, None), wall.read.view("en", "11500", None)]
    now = wall.read.view("ko", "11440", None)
    for slot, part in builds.parts.items():
        new = builds.get(part, now)
        sent = []
        for view in earlier:
            value, token = builds.answer(new, builds.get(part, view).token)
            assert token == new.token
            if value is not no_update:
                sent.append(value.to_plotly_json() if isinstance(value, Patch) else value)
        # Children whole; a figure whole, or its patch that turns any state of its skeleton into it.
        allowed = [new.value] if part.kind != FIGURE else [new.value, new.patch.to_plotly_json()]
        assert sent and all(value in allowed for value in sent), slot
