"""The archive and the second pair of eyes: a relational record of every settled outcome, and approvals pinned
to the exact content of a post.

``database`` (which database, migrations at start), ``tables`` (the schema at head), ``cards`` (content-addressed
copies of the cards sent), ``outcomes`` (:class:`Archive`: record, catch up, lag, events), ``approvals`` (approve,
revoke, the publish gate) and ``audit`` (the ``publisher audit`` formats).
"""
