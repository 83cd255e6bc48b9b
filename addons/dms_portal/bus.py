# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Tryton's bus, restricted to what the user may read

Set it in the configuration ([bus] class =
trytond.modules.dms_portal.bus.Bus, as the shipped PostgreSQL configuration
does).  Tryton's bus lets any signed-in user listen to any channel but the
other users' ``user:<id>``: the messages of every record's conversation
(``chat:<record>``, internal notes included) and the notifications of every
user (``notification:<id>``).  Here a user listens to its own notifications
only, and to the conversation of a record only when it may read the record
under its record rules; users linked to a dealer to none (the factory's
internal notes go on them).

On a database without channels (SQLite: no LISTEN/NOTIFY), Tryton's bus
publishes nothing; here the messages published in the server's process are
handed to the clients listening to that process once the transaction ends
(the embedded server of the demo is one process of threads).  Servers of
several processes on SQLite (not a supported setup) only reach the clients
of the publishing process; the others see the messages when they read
again."""
import os
import uuid

import trytond.config as config
from trytond import backend
from trytond.bus import LongPollingBus, _MessageQueue
from trytond.exceptions import UserError
from trytond.pool import Pool
from trytond.transaction import Transaction


class _LocalDelivery:
    "The messages a transaction published, delivered once it is committed"

    def __init__(self, database):
        self.database = database
        self.messages = []

    def __eq__(self, other):
        if not isinstance(other, _LocalDelivery):
            return NotImplemented
        return self.database == other.database

    __hash__ = None

    def tpc_begin(self, transaction):
        pass

    def commit(self, transaction):
        pass

    def tpc_vote(self, transaction):
        pass

    def tpc_finish(self, transaction):
        messages, self.messages = self.messages, []
        for channel, message in messages:
            Bus._dms_deliver(self.database, channel, message)

    def abort(self, transaction):
        self.messages = []

    tpc_abort = abort


class Bus(LongPollingBus):

    @classmethod
    def subscribe(cls, database, channels, last_message=None):
        channels = cls.dms_allowed(database, channels)
        if not backend.Database(database).has_channel():
            cls._dms_local_queue(database)
        return super().subscribe(
            database, channels, last_message=last_message)

    @classmethod
    def _dms_local_queue(cls, database):
        """The queue of the process for database, without the listener of
        the database's notifications (it needs LISTEN)"""
        pid = os.getpid()
        with cls._queues_lock[pid]:
            # Present: Tryton's subscribe starts no listener
            cls._queues[pid, database].setdefault('listener', None)
            if database not in cls._messages:
                cls._messages[database] = _MessageQueue(
                    config.getint('bus', 'cache_timeout'))

    @classmethod
    def publish(cls, channel, message):
        transaction = Transaction()
        if transaction.database.has_channel():
            return super().publish(channel, message)
        message['message_id'] = str(uuid.uuid4())
        # As NOTIFY: the listeners hear it once the transaction is
        # committed, never when it is rolled back
        delivery = transaction.join(_LocalDelivery(transaction.database.name))
        delivery.messages.append((channel, message))

    @classmethod
    def _dms_deliver(cls, database, channel, message):
        "Wake the clients of this process listening to channel"
        pid = os.getpid()
        messages = cls._messages.get(database)
        if messages is None:
            # Nobody listens in this process
            return
        messages.append(channel, message)
        with cls._queues_lock[pid]:
            if (pid, database) not in cls._queues:
                return
            queue = cls._queues[pid, database]['events']
            events = queue.pop(channel, [])
        for event in events:
            event.set()

    @classmethod
    def dms_allowed(cls, database, channels):
        "The channels of channels that the user may listen to"
        # Tryton's route adds the channel of the signed-in user
        users = [c for c in channels if c.startswith('user:')]
        try:
            user_id, = [int(c.split(':', 1)[1]) for c in users]
        except ValueError:
            return set()
        allowed = set(users)
        allowed.update(c for c in channels
            if c == 'notification:%s' % user_id)
        chats = sorted(c for c in channels if c.startswith('chat:'))
        if not chats:
            return allowed
        pool = Pool(database)
        if database not in Pool.database_list():
            with Transaction().start(database, 0, readonly=True):
                pool.init()
        with Transaction().start(database, user_id, readonly=True,
                context={'_check_access': True}):
            User = pool.get('res.user')
            Channel = pool.get('ir.chat.channel')
            if User.get_dealer() is not None:
                return allowed
            for channel in chats:
                try:
                    Channel.check_access(channel.split(':', 1)[1])
                except UserError:
                    continue
                allowed.add(channel)
        return allowed
