"""How a call's batches reach the server: the sans-IO batch flow, its drivers, and the flow controller.

``batch`` (one batch's flow) and ``run`` (one call's batches) describe what
happens; ``drive`` and ``workers`` are the only I/O; ``controller`` weighs
every answer, with ``concurrency`` (in-flight limit), ``rate`` (quota,
server windows, learned rate, pause and probe), ``retry_budget``,
``hedge`` and ``retry`` (what is retried, how long to wait) beside it;
``quota`` is the seam for a quota shared beyond one client.
"""
