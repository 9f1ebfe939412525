"""Pure Plotly figure builders: frames in, figures out; no Panel, no database (tested without a server)."""
