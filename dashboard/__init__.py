"""The core of the wall: settings, frame store, poller, health and the Dash app they live in."""
