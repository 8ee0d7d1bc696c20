"""Running Parity: what is being done and for whom (activity), logs, metrics, health."""
