"""How a call's batches reach the server: the sans-IO batch flow, its drivers, pacing and retries."""
