"""Shared code of the Stampede benchmark harness (bench/*.py).

Only the Python standard library is used, so the scripts run on a bare Debian
machine after `bench/setup.sh`.
"""
