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
internal notes go on them)."""
from trytond.bus import LongPollingBus
from trytond.exceptions import UserError
from trytond.pool import Pool
from trytond.transaction import Transaction


class Bus(LongPollingBus):

    @classmethod
    def subscribe(cls, database, channels, last_message=None):
        return super().subscribe(
            database, cls.dms_allowed(database, channels),
            last_message=last_message)

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
