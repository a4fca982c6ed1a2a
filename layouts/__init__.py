"""Pure builders: frames in, Dash components and plotly figures out. No fetching, no state."""
