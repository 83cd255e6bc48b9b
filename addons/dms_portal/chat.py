# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
import json

from trytond.i18n import gettext
from trytond.ir.chat import FOLLOWER_SEARCH_LIMIT
from trytond.model import fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.tools import firstline
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
    def dms_portal_messages(cls, resource, limit=200, after=None):
        """The last public messages of the channel of resource (after the
        message id after), oldest first

        As Tryton's get: the user must read resource (under its record
        rules), then its messages are read without further checks (no user
        has access to ir.chat.message itself)."""
        pool = Pool()
        Message = pool.get('ir.chat.message')
        cls.check_access(resource)
        domain = [
            ('channel.resource', '=', str(resource)),
            ('audience', '=', 'public'),
            ]
        if after:
            domain.append(('id', '>', after))
        with without_check_access():
            messages = Message.search(
                domain, order=[('id', 'DESC')], limit=limit)
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
                audience='public', dms_author=web_user)
            message.save()
            email = web_user.email
            cls.dispatch_message(message, lambda u: u == email)
        return message


class ChatFollower(metaclass=PoolMeta):
    __name__ = 'ir.chat.follower'

    def notify(self, message):
        pool = Pool()
        Notification = pool.get('res.notification')
        # The factory's internal notes are not for the users of a dealer,
        # even when they follow the conversation
        if (message.audience == 'internal' and self.user
                and self.user.dealer):
            return
        if not self.user:
            return super().notify(message)
        # As Tryton's, with a title that names the author and the record
        # ("Hangzhou Motors on SO0042"), in the language of the follower
        resource = message.channel.resource
        language = self.user.language
        with Transaction().set_context(
                language=language.code if language else None):
            resource = resource.__class__(resource.id)
            label = gettext('dms_portal.msg_chat_notification_title',
                author=message.dms_short_author,
                record=getattr(resource, 'dms_chat_subject', None)
                or resource.rec_name)
        Notification(
            user=self.user,
            label=label[:255],
            description=firstline(message.content),
            icon='tryton-chat',
            model=resource.__name__,
            records=json.dumps([resource.id]),
            ).save()


class ChatMessage(metaclass=PoolMeta):
    __name__ = 'ir.chat.message'
    dms_author = fields.Many2One(
        'web.user', "Portal Author", readonly=True, ondelete='SET NULL',
        help="The portal account that wrote the message.")

    @property
    def dms_web_user(self):
        """The portal account that wrote the message, or None

        An e-mail is unique among the active accounts only: a message kept
        without its author (written before the author was kept) is the
        active account's of its e-mail."""
        pool = Pool()
        WebUser = pool.get('web.user')
        if self.dms_author:
            return self.dms_author
        if not self.email:
            return None
        with without_check_access():
            users = WebUser.search([
                    ('email', '=', self.email),
                    ('dealer', '!=', None),
                    ], limit=1)
        return users[0] if users else None

    @property
    def dms_dealer(self):
        "The dealer of the author of the message, or None"
        web_user = self.dms_web_user
        if web_user:
            return web_user.dealer
        if self.user and self.user.dealer:
            return self.user.dealer

    @property
    def dms_short_author(self):
        """Who wrote the message in a title: its dealer for the users of a
        dealer, else the author"""
        dealer = self.dms_dealer
        return dealer.party.rec_name if dealer else (self.author or '')

    def as_dict(self):
        """The message for the web client: the messages of the users of a
        dealer name the user and the dealer ("li.wei@... (Hangzhou
        Motors)") with the dealer's avatar

        The web client shows a message without user as a line of the
        system, without author nor avatar: the message of a portal account
        gives the reference of the account (web.user,<id>) as user."""
        value = super().as_dict()
        dealer = self.dms_dealer
        if dealer:
            web_user = self.dms_web_user
            value['author'] = gettext('dms_portal.msg_chat_author_dealer',
                user=self.author or '', dealer=dealer.party.rec_name)
            if web_user:
                value['user'] = str(web_user)
                # The dealer's picture where parties have one (party_avatar),
                # else the portal's dealer picture (the web client would
                # draw an empty image)
                value['avatar_url'] = (
                    getattr(dealer.party, 'avatar_url', None)
                    or '/%s/portal/static/dealer-avatar.svg'
                    % Transaction().database.name)
        return value

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

