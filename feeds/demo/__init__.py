"""The embedded demo source: a simulator of the Seoul Open Data API that needs no network.

It answers RealtimeCityAir, citydata and AccInfo with the bodies the real upstream sends (same
envelopes, field names and quirks), so demo data goes through the real parsers. Every body is a
pure function of (seed, simulated time): noise comes from hashing the seed with the hour, the
district or the road link, never from state that accumulates, so a restart, a second process or
a test that jumps around a simulated day all see the same city.

A scripted scenario (docs/scenarios.md) can be played on top of the ordinary city: while it
runs, its incidents, slowdowns and smoke join the bodies, which are then a pure function of
(seed, scenario, play start, time); before its start and after its end the city is the ordinary
one.

The modules, each importing only those above it:

- ``clock``: time units, Seoul-local hours and days, SimClock (shared with the replay source)
- ``noise``: hashed noise from the seed and keys
- ``roads``: the road links around the hotspots (roads.json) and the geometry along them
- ``air``: RealtimeCityAir rows
- ``incidents``: the simulator's incidents and their AccInfo rows
- ``scenarios``: a scenario's timeline (it builds on roads and incidents only)
- ``scenario_files``: the bundled scenarios (scenarios/*.json), reading and validating a file
- ``citydata``: a place's road speeds, crowd, weather and incidents
- ``envelopes``: the upstream's result codes, list pages and XML, and ``body_at``
- ``source``: DemoSource
"""

from feeds.demo.envelopes import body_at
from feeds.demo.incidents import Incident, open_incidents
from feeds.demo.roads import LINKS, PLACE_BY_KEY, PLACES, Link, Place
from feeds.demo.scenario_files import ScenarioError, bundled_scenarios, load_scenario, parse_scenario
from feeds.demo.scenarios import Scenario
from feeds.demo.source import DemoSource

__all__ = [
    "LINKS",
    "PLACES",
    "PLACE_BY_KEY",
    "DemoSource",
    "Incident",
    "Link",
    "Place",
    "Scenario",
    "ScenarioError",
    "body_at",
    "bundled_scenarios",
    "load_scenario",
    "open_incidents",
    "parse_scenario",
]
