"""When targets go out: the schedule in Redis, the atomic claim, leases, rate limits, pause and policy.

Nothing here waits in the broker. Every target to be published sits in a Redis sorted set scored by its due
time; a one-second tick claims the due ones atomically (Lua) into a lease set and enqueues a short publish task
carrying only the target id. A sweeper returns leases whose task vanished. The publish step's ledger makes a
second attempt at the same target safe, so the scheduler may err towards retrying.

Redis keys, all under ``{namespace}:`` (see :class:`publisher.scheduler.keys.Keys`):

    sched:due            zset  target id -> due epoch (or the epoch it may next be tried)
    sched:leased         zset  target id -> lease expiry epoch (claimed, a task is on its way or running)
    sched:target:{id}    hash  post, platform, occurrence, due, deadline, content hash, attempts, note
    sched:running:{id}   str   held by the task publishing the target right now (expires after the time limit)
    sched:post:{post}    str   the post's validated content (Post JSON) — workers need no shared disk
    sched:posts          hash  post id -> content hash, for the posts that sync has scheduled
    sched:image:{sha}    bytes a post's own image, by content hash
    sched:paused         str   set by `publisher pause`
    sched:blocked:{p}    str   epoch until which platform p said "wait" (RETRY_AFTER)
    sched:gcra:{p}:{acct} str  the rate limiter's theoretical arrival time for one platform account
    sched:events         stream each settled publication (published, failed, unknown ...), the last thousand

Beside them live the ledger's keys (``{namespace}:target:{id}``, :mod:`publisher.publishing.ledger`) and Celery's
broker keys (``{namespace}:celery:*``, queues ``{namespace}.publish`` and ``{namespace}.control``). A dry run uses the
namespace ``{namespace}-dry-run`` for all of it.

Modules: ``schedule`` (the sorted sets and their Lua scripts), ``dispatch`` (the tick and the sweeper),
``work`` (one publish attempt: the task's body), ``sync`` (posts folder → schedule), ``policy``, ``ratelimit``,
``supersede``, ``status``, ``events`` (the stream `publisher run` prints), ``summary`` (its start-up summary),
``run`` (`publisher run`), ``runtime`` (settings → connections, the publish seam).
"""

from publisher.scheduler.keys import Keys
from publisher.scheduler.schedule import Schedule

__all__ = ["Keys", "Schedule"]
