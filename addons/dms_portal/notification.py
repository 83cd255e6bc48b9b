# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The dealer's inbox: one notification per portal user for everything
addressed to the dealer (bulletins, feedback answers, chat messages, order
alerts), e-mailed through the queue to the users who want e-mails of that
kind"""
import datetime as dt
from collections import defaultdict

from trytond import backend
from trytond.config import config as tconfig
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.report import Report, get_email
from trytond.tools import firstline, grouped_slice
from trytond.tools.email_ import set_from_header
from trytond.transaction import Transaction

from .mailer import message_id, retry_context, send_now

# The modules above add their kinds (and the models of their resources) in
# their own __setup__ (and _resource_models)
KINDS = [
    ('chat', "Messages"),
    ]
# A queued e-mail task handles so many notifications
EMAIL_BATCH = 100


class Notification(ModelSQL, ModelView):
    __string__ = "Dealer Notification"
    __name__ = 'dms.dealer.notification'
    user = fields.Many2One(
        'web.user', "Portal User", required=True, readonly=True,
        ondelete='CASCADE')
    dealer = fields.Many2One(
        'dms.dealer', "Dealer", required=True, readonly=True,
        ondelete='CASCADE')
    kind = fields.Selection(KINDS, "Kind", required=True, readonly=True)
    resource = fields.Reference(
        "Resource", selection='get_resources', readonly=True)
    subject = fields.Char("Subject", readonly=True, required=True)
    text = fields.Text("Text", readonly=True)
    read_at = fields.Timestamp("Read At", readonly=True)
    emailed_at = fields.Timestamp("E-mailed At", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]
        cls._sql_indexes.update({
                Index(t, (t.user, Index.Range()), (t.kind, Index.Equality()),
                    where=t.read_at == None),  # noqa: E711
                Index(t, (t.resource, Index.Equality())),
                })

    @classmethod
    def get_resources(cls):
        pool = Pool()
        Model = pool.get('ir.model')
        models = cls._resource_models()
        return [(None, '')] + [
            (m, Model.get_name(m)) for m in models if cls._has_model(m)]

    @classmethod
    def _resource_models(cls):
        "The models whose records notifications are about"
        return []

    @staticmethod
    def _has_model(name):
        try:
            Pool().get(name)
        except KeyError:
            return False
        return True

    @property
    def portal_path(self):
        "The page of the portal that shows the resource"
        if self.resource and self.resource.id >= 0:
            return self.resource.dms_portal_path

    @classmethod
    def notify(cls, users, kind, resource, message_id, variables=None,
            text=None, email=True):
        """Add a notification for each portal user, its subject from
        message_id with variables in the user's language; queue the
        e-mails

        A callable variable or text gives its value in the user's
        language."""
        variables = variables or {}
        to_create = []
        by_language = defaultdict(list)
        for user in users:
            languages = user.languages
            by_language[languages[0].code if languages else None].append(
                user)
        for language, lang_users in by_language.items():
            with Transaction().set_context(language=language):
                subject = gettext(message_id, **{
                        k: v() if callable(v) else v
                        for k, v in variables.items()})
                lang_text = text() if callable(text) else text
            for user in lang_users:
                to_create.append({
                        'user': user.id,
                        'dealer': user.dealer.id,
                        'kind': kind,
                        'resource': str(resource),
                        'subject': subject[:255],
                        'text': lang_text,
                        })
        notifications = []
        for sub in grouped_slice(to_create, 500):
            notifications.extend(cls.create(list(sub)))
        if email:
            for sub in grouped_slice(notifications, EMAIL_BATCH):
                cls.__queue__.send_email(list(sub))
        return notifications

    @classmethod
    def notify_dealers(cls, dealers, kind, resource, message_id,
            variables=None, text=None, roles=None, email=True):
        "Notify the portal users (of roles) of the dealers"
        pool = Pool()
        WebUser = pool.get('web.user')
        domain = [
            ('dealer', 'in', [d.id for d in dealers]),
            ('active', '=', True),
            ]
        if roles:
            domain.append(('dealer_role', 'in', roles))
        users = []
        for sub in grouped_slice(
                [d.id for d in dealers], backend.MAX_QUERY_PARAMS):
            domain[0] = ('dealer', 'in', list(sub))
            users.extend(WebUser.search(domain, order=[('id', 'ASC')]))
        return cls.notify(users, kind, resource, message_id, variables,
            text=text, email=email)

    @classmethod
    def send_email(cls, notifications):
        """E-mail the notifications to the users who want e-mails of their
        kind (a queued task: the request does not wait for the mail
        server)

        Each is e-mailed once: marked as sent in the task's transaction.
        Those the mail server did not take are queued again (with a
        worker)."""
        from_ = tconfig.get('email', 'from')
        now = dt.datetime.now()
        to_send = []
        for notification in cls.browse(notifications):
            user = notification.user
            if (not user.active or not user.email
                    or notification.kind in (user.dms_email_off or ())
                    or notification.emailed_at
                    or not user.dms_can_login):
                continue
            languages = user.languages
            msg, _ = get_email(
                'dms.dealer.notification.email', notification, languages)
            set_from_header(msg, from_, from_)
            msg['To'] = user.email
            msg['Subject'] = notification.subject
            msg['Message-ID'] = message_id('notification', notification)
            to_send.append((notification, msg))
        count = send_now([m for _, m in to_send])
        sent = [n for n, _ in to_send[:count]]
        if sent:
            cls.write(sent, {'emailed_at': now})
        unsent = [n for n, _ in to_send[count:]]
        context = retry_context()
        if unsent and context is not None:
            with Transaction().set_context(**context):
                cls.__queue__.send_email(unsent)

    @classmethod
    def mark_read(cls, user, notifications=None, resources=None):
        "Mark the user's notifications (or those of resources) as read"
        domain = [
            ('user', '=', user.id),
            ('read_at', '=', None),
            ]
        if notifications is not None:
            domain.append(('id', 'in', [n.id for n in notifications]))
        if resources is not None:
            domain.append(('resource', 'in', [str(r) for r in resources]))
        unread = cls.search(domain)
        if unread:
            cls.write(unread, {'read_at': dt.datetime.now()})
        return unread

    @classmethod
    def unread_count(cls, user, kind=None):
        domain = [
            ('user', '=', user.id),
            ('read_at', '=', None),
            ]
        if kind:
            domain.append(('kind', '=', kind))
        return cls.search_count(domain)

    @staticmethod
    def excerpt(text, size=200):
        "The first line of text, at most size characters"
        line = firstline(text or '')
        return line if len(line) <= size else line[:size - 1] + '…'


class NotificationEmail(Report):
    "The e-mail of a dealer notification"
    __name__ = 'dms.dealer.notification.email'

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Configuration = pool.get('dms.configuration')
        context = super().get_context(records, header, data)
        context['portal_url'] = Configuration.get_portal_url()
        return context

