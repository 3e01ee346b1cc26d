"""kombu's Redis transport, with acknowledgements that cannot wedge a worker.

kombu emulates acknowledgements on Redis: a delivered message is kept in a hash of unacked
messages on the server and, in the worker, in the channel's table of delivered messages, which
the prefetch limit counts. Acknowledging deletes the server's copy first and only then frees the
local entry. When the server does not answer in time (hung for longer than the socket timeout),
the deletion fails, Celery logs "Couldn't ack", and the local entry stays forever: one prefetch
slot is lost for good. A worker with one process and ``worker_prefetch_multiplier`` 1 then never
asks Redis for another task while its connection is fine, so it stops working until restarted.

Here the local entry is freed whatever the server says. Nothing is lost: a message whose
deletion failed is still in the server's hash, and Redis hands it out again after
``visibility_timeout``; the tasks are idempotent, so running it again does no harm.

Used through ``CELERY_BROKER_TRANSPORT`` for ``redis://`` brokers (settings).
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis
from kombu.transport import virtual


class QoS(kombu_redis.QoS):
    def ack(self, delivery_tag: Any) -> None:
        try:
            super().ack(delivery_tag)
        except BaseException:
            virtual.QoS.ack(self, delivery_tag)  # frees the prefetch slot; the error stands
            raise

    def reject(self, delivery_tag: Any, requeue: bool = False) -> None:
        try:
            super().reject(delivery_tag, requeue=requeue)
        except BaseException:
            virtual.QoS.ack(self, delivery_tag)
            raise


class Channel(kombu_redis.Channel):
    QoS = QoS


class Transport(kombu_redis.Transport):
    Channel = Channel
