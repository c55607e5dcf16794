"""Unattended work: who may run a job now (leases.py); the scheduler comes with `monitor run`."""
