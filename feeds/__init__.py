"""Feed adapters: fetch a raw Seoul Open Data payload from a source and parse it into a DataFrame.

Nothing here knows about Dash, the scheduler or the frame store.
"""
