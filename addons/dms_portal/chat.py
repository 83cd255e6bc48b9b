# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.ir.chat import FOLLOWER_SEARCH_LIMIT
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction
from trytond.transaction import (
    check_access as checking_access, without_check_access)

from .exceptions import ChatError
from .ir import MAX_MESSAGE_SIZE, clean_text


class ChatChannel(metaclass=PoolMeta):
    """Conversations on records under their record rules

    Tryton's chat calls check only the access to the model of the record
    (core: "TODO check record rule"): here reading, posting, following and
    listing the followers of a record's conversation need the right to read
    that record, under the record rules of the user.  Users linked to a
    dealer post only public messages, never read the factory's internal
    notes, follow only for themselves and do not subscribe e-mail
    addresses."""
    __name__ = 'ir.chat.channel'

    @classmethod
    @checking_access
    def check_access(cls, resource):
        pool = Pool()
        model, _, id_ = str(resource).partition(',')
        try:
            Model = pool.get(model)
            id_ = int(id_)
        except (KeyError, ValueError):
            Model = id_ = None
        if (Model is None or not hasattr(Model, 'search')
                or not 0 < id_ < 2 ** 63):
            raise AccessError(gettext('dms_portal.msg_chat_access_denied'))
        super().check_access(resource)
        if (Transaction().user
                and not Model.search([('id', '=', id_)], limit=1)):
            raise AccessError(gettext('dms_portal.msg_chat_access_denied'))

    @classmethod
    def _dms_dealer_user(cls):
        "Whether the transaction user is linked to a dealer"
        pool = Pool()
        User = pool.get('res.user')
        return bool(Transaction().user) and User.get_dealer() is not None

    @classmethod
    def _dms_refuse_for_dealer(cls, resource, allowed=False):
        cls.check_access(resource)
        if cls._dms_dealer_user() and not allowed:
            raise AccessError(gettext('dms_portal.msg_chat_dealer_refused'))

    @classmethod
    def _dms_own_login(cls, username):
        pool = Pool()
        User = pool.get('res.user')
        return username is None or (
            username == User(Transaction().user).login)

    # Tryton's own "joined" and "left" messages are posted by the system
    # (context user 0): a private context key, which RPC callers cannot set,
    # tells post() they are not a user's

    @classmethod
    def subscribe(cls, resource, username=None):
        cls._dms_refuse_for_dealer(resource, cls._dms_own_login(username))
        with Transaction().set_context(_dms_chat_system=True):
            return super().subscribe(resource, username=username)

    @classmethod
    def unsubscribe(cls, resource, username=None):
        cls._dms_refuse_for_dealer(resource, cls._dms_own_login(username))
        with Transaction().set_context(_dms_chat_system=True):
            return super().unsubscribe(resource, username=username)

    @classmethod
    def subscribe_email(cls, resource, email):
        cls._dms_refuse_for_dealer(resource)
        with Transaction().set_context(_dms_chat_system=True):
            return super().subscribe_email(resource, email)

    @classmethod
    def unsubscribe_email(cls, resource, email):
        cls._dms_refuse_for_dealer(resource)
        with Transaction().set_context(_dms_chat_system=True):
            return super().unsubscribe_email(resource, email)

    @classmethod
    def search_followers(cls, resource, text, limit=FOLLOWER_SEARCH_LIMIT):
        cls._dms_refuse_for_dealer(resource)
        return super().search_followers(resource, text, limit=limit)

    @classmethod
    def post(cls, resource, content, audience='internal'):
        transaction = Transaction()
        if (not transaction.user
                or transaction.context.get('_dms_chat_system')):
            return super().post(resource, content, audience=audience)
        if audience != 'public':
            cls._dms_refuse_for_dealer(resource)
        # The author is the user of the request, never a user that a
        # caller names in its context (Tryton takes the context's "user")
        with transaction.set_context(user=transaction.user):
            return super().post(resource, content, audience=audience)

    @classmethod
    def get(cls, resource, before=None, after=None):
        messages = super().get(resource, before=before, after=after)
        if cls._dms_dealer_user():
            messages = [m for m in messages if m['audience'] == 'public']
        return messages

    @classmethod
    def dispatch_message(cls, message, is_sender):
        pool = Pool()
        Notification = pool.get('dms.dealer.notification')
        super().dispatch_message(message, is_sender)
        resource = message.channel.resource
        dealer = getattr(resource, 'dms_chat_dealer', None)
        # A public message of the factory is for the dealer's users
        if (dealer and message.audience == 'public' and message.user
                and not message.user.dealer
                and Transaction().context.get('_notify', True)):
            Notification.notify_dealers([dealer], 'chat',
                resource.dms_chat_resource,
                'dms_portal.msg_notification_chat',
                {'subject': resource.dms_chat_subject},
                text=Notification.excerpt(message.content))

    @classmethod
    def dms_portal_messages(cls, resource, limit=200):
        """The last public messages of the channel of resource, oldest first

        As Tryton's get: the user must read resource (under its record
        rules), then its messages are read without further checks (no user
        has access to ir.chat.message itself)."""
        pool = Pool()
        Message = pool.get('ir.chat.message')
        cls.check_access(resource)
        with without_check_access():
            messages = Message.search([
                    ('channel.resource', '=', str(resource)),
                    ('audience', '=', 'public'),
                    ], order=[('id', 'DESC')], limit=limit)
        return list(reversed(messages))

    @classmethod
    def dms_portal_post(cls, resource, web_user, content, filename=None,
            data=None):
        """Post a public message of the portal user on resource, with a
        file; the factory's users responsible for the dealer follow the
        channel and are notified"""
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Message = pool.get('ir.chat.message')
        Follower = pool.get('ir.chat.follower')
        Dealer = pool.get('dms.dealer')
        cls.check_access(resource)
        content = clean_text(content)
        if not content and not filename:
            raise ChatError(gettext('dms_portal.msg_chat_empty'))
        if len(content) > MAX_MESSAGE_SIZE:
            raise ChatError(gettext('dms_portal.msg_chat_too_long',
                    size=MAX_MESSAGE_SIZE))
        if filename:
            attachment = Attachment.dms_upload(resource, filename, data)
            content = '\n'.join(filter(None, [
                        content, gettext('dms_portal.msg_chat_file',
                            name=attachment.name)]))
        # As Tryton's post, once the access to resource is checked: the
        # channel, its followers and the message without further checks
        with without_check_access():
            channel = cls._get_channel(resource)
            if not any(f.user for f in channel.followers):
                dealer = web_user.dealer
                for user in Dealer.responsible_users([dealer])[dealer]:
                    Follower.add_user(channel, user)
                channel = cls(channel.id)
            message = Message(
                channel=channel, email=web_user.email, content=content,
                audience='public')
            message.save()
            email = web_user.email
            cls.dispatch_message(message, lambda u: u == email)
        return message


class ChatFollower(metaclass=PoolMeta):
    __name__ = 'ir.chat.follower'

    def notify(self, message):
        # The factory's internal notes are not for the users of a dealer,
        # even when they follow the conversation
        if (message.audience == 'internal' and self.user
                and self.user.dealer):
            return
        super().notify(message)


class ChatMessage(metaclass=PoolMeta):
    __name__ = 'ir.chat.message'

    @property
    def dms_portal_author(self):
        """Who wrote the message as the portal shows it: ('dealer', name)
        for the dealer's own users, ('factory', name) for the factory's,
        named after their employee (not after the name a user can set in
        its preferences), or without name"""
        if self.email:
            return 'dealer', self.email
        user = self.user
        if user and user.dealer:
            return 'dealer', user.dealer.rec_name
        if user and user.employee:
            return 'factory', user.employee.rec_name
        return 'factory', ''

