"""Overlaps (تداخل): the same need proposed twice, possibly in two workgroups.

`detection` finds and scores similar titles; `services` stores the pairs and carries out the
budget office's decisions on them (distinct, keep one, merge, reassign, and their reversal).
"""
