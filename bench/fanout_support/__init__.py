"""The pieces of bench/fanout.py: the servers it starts, one measured round, the table."""
