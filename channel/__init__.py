"""The autopilot channel: a folder (channel.yaml, the planner's SQLite state, an
outbox) that plans, produces through the jobs queue, checks and publishes
episodes on a schedule. It sits above the DSL: it names templates and their
public parameters (dsl/templates.py) and puts jobs on jobs/queue.py, exactly as
`render batch` does; nothing below imports it. See docs/CHANNEL.md."""
