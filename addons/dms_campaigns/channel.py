# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The channels campaigns are published to (e-commerce sites, store
systems, social accounts, any webhook receiver): the outbox of their signed
webhooks (Standard Webhooks) sent by a scheduled job, and the sales they
report back with signed callbacks (see channel_routes.py)"""
import base64
import datetime as dt
import ipaddress
import json
import logging
import random
import secrets
import socket
import uuid
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

import requests
from sql import For
from sql.aggregate import Count, Sum
from standardwebhooks import Webhook, WebhookVerificationError

from trytond.config import config
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import ChannelError

logger = logging.getLogger(__name__)

CHANNEL_KINDS = [
    ('ecommerce', "E-commerce Site"),
    ('store', "Store System"),
    ('social', "Social Account"),
    ('webhook', "Webhook Receiver"),
    ]
CHANNEL_STATES = [
    ('enabled', "Enabled"),
    ('disabled', "Disabled"),
    ]
EVENTS = [
    ('campaign.published', "Campaign Published"),
    ('campaign.updated', "Campaign Updated"),
    ('campaign.ended', "Campaign Ended"),
    ]
DELIVERY_STATES = [
    ('pending', "Pending"),
    ('sent', "Sent"),
    ('failed', "Failed"),
    ('cancelled', "Cancelled"),
    ]
# The campaign states in which a channel may report sales of a campaign
# published to it
SALE_CAMPAIGN_STATES = ['running', 'closed', 'evaluated']
# The callbacks: the largest body and the longest external id accepted
MAX_CALLBACK_SIZE = 64 * 1024
MAX_EXTERNAL_ID_SIZE = 100
MAX_ERROR_SIZE = 500


def check_url(url):
    """The error message of a channel's URL that is not an http(s) address
    of a host without credentials, or None"""
    try:
        parts = urlsplit(url)
        parts.port
    except ValueError:
        parts = None
    if (not parts or parts.scheme not in {'http', 'https'}
            or not parts.hostname or parts.username is not None
            or parts.password is not None):
        return gettext('dms_campaigns.msg_channel_url', url=url)


def private_hosts():
    """The hosts whose private addresses a channel may be sent to: the
    [dms_campaigns] webhook_private_hosts of the configuration (a
    development machine's receivers)"""
    value = config.get('dms_campaigns', 'webhook_private_hosts', default='')
    return {h.strip().lower() for h in value.split(',') if h.strip()}


def check_address(url):
    """The error message of a channel's URL whose host is a private,
    loopback, link-local or reserved address (none of a public receiver:
    the server would be sent into the factory's own network), or None"""
    host = urlsplit(url).hostname or ''
    if host.lower() in private_hosts():
        return None
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(
                    host, None, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError) as exception:
        return gettext('dms_campaigns.msg_channel_unreachable',
            error=str(exception)[:MAX_ERROR_SIZE])
    for address in addresses:
        ip = ipaddress.ip_address(address.split('%', 1)[0])
        if not ip.is_global or ip.is_multicast:
            return gettext(
                'dms_campaigns.msg_channel_private', host=host,
                address=address)


class ChannelCallbackError(UserError):
    "A sales callback of a channel that is refused (status: HTTP status)"

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def new_secret():
    "A secret in the Standard Webhooks format: whsec_ + base64 of 32 bytes"
    return 'whsec_' + base64.b64encode(secrets.token_bytes(32)).decode()


class Channel(DeactivableMixin, ModelSQL, ModelView):
    __string__ = "Channel"
    __name__ = 'dms.channel'
    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='RESTRICT')
    name = fields.Char("Name", required=True)
    kind = fields.Selection(CHANNEL_KINDS, "Kind", required=True)
    kind_string = kind.translated('kind')
    url = fields.Char(
        "URL", help="Where the channel receives the campaigns' webhooks.")
    # Readable and writable by nobody over RPC (field access); shown once
    # by the wizard dms.channel.secret
    secret = fields.Char("Secret", strip=False)
    secret_shown = fields.Boolean(
        "Secret Shown", readonly=True,
        help="The secret has been shown: it can only be renewed.")
    timeout = fields.Integer(
        "Timeout", required=True,
        domain=[('timeout', '>=', 1), ('timeout', '<=', 60)],
        help="The seconds the channel has to answer a webhook.")
    failure_limit = fields.Integer(
        "Failure Limit", required=True,
        domain=[('failure_limit', '>=', 1)],
        help="The channel is disabled after this many failed sendings in "
        "a row.")
    failures = fields.Integer(
        "Failures", readonly=True,
        help="The failed sendings in a row.")
    state = fields.Selection(
        CHANNEL_STATES, "State", required=True, readonly=True)
    state_string = state.translated('state')
    disabled_reason = fields.Text(
        "Disabled Reason", readonly=True,
        states={
            'invisible': Eval('state') != 'disabled',
            })
    disabled_at = fields.Timestamp(
        "Disabled At", readonly=True,
        states={
            'invisible': Eval('state') != 'disabled',
            })
    deliveries = fields.One2Many(
        'dms.channel.delivery', 'channel', "Deliveries", readonly=True)
    sales = fields.One2Many(
        'dms.channel.sale', 'channel', "Sales", readonly=True)
    callback_path = fields.Function(
        fields.Char(
            "Sales Callback",
            help="The path, after the server's address, where the channel "
            "posts its sales."),
        'get_callback_path')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'enable': {
                    'invisible': Eval('state') != 'disabled',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'renew_secret': {
                    'icon': 'tryton-launch',
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_kind(cls):
        return 'webhook'

    @classmethod
    def default_state(cls):
        return 'enabled'

    @classmethod
    def default_secret_shown(cls):
        return False

    @classmethod
    def default_timeout(cls):
        return 10

    @classmethod
    def validate_fields(cls, channels, field_names):
        super().validate_fields(channels, field_names)
        if not field_names or 'url' in field_names:
            for channel in channels:
                if channel.url:
                    error = check_url(channel.url)
                    if error:
                        raise ChannelError(error)

    @classmethod
    def default_failure_limit(cls):
        return 10

    @classmethod
    def default_failures(cls):
        return 0

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('secret'):
            # Every channel signs with its own secret from its creation
            values['secret'] = new_secret()
            values['secret_shown'] = False
        return values

    @classmethod
    def copy(cls, channels, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('secret', None)
        default.setdefault('secret_shown', False)
        default.setdefault('state', 'enabled')
        default.setdefault('failures', 0)
        default.setdefault('disabled_reason', None)
        default.setdefault('disabled_at', None)
        default.setdefault('deliveries', None)
        default.setdefault('sales', None)
        return super().copy(channels, default=default)

    def get_callback_path(self, name):
        if self.id is None or self.id < 0:
            return None
        return '/%s/dms/channels/%s/sales' % (
            Transaction().database.name, self.id)

    @classmethod
    @ModelView.button
    def enable(cls, channels):
        "Enable the channels again: their waiting deliveries are due now"
        pool = Pool()
        Delivery = pool.get('dms.channel.delivery')
        cls.write(channels, {
                'state': 'enabled',
                'failures': 0,
                'disabled_reason': None,
                'disabled_at': None,
                })
        deliveries = Delivery.search([
                ('channel', 'in', [c.id for c in channels]),
                ('state', '=', 'pending'),
                ])
        if deliveries:
            Delivery.write(deliveries, {
                    'next_attempt': dt.datetime.now(),
                    })

    @classmethod
    @ModelView.button_action('dms_campaigns.wizard_channel_secret')
    def renew_secret(cls, channels):
        pass

    @classmethod
    def publish(cls, campaigns, event):
        """Write the deliveries of the campaigns' event to the outbox: one
        per active channel of each campaign, sent later by the scheduled
        job (nothing is sent inside this transaction)"""
        pool = Pool()
        Campaign = pool.get('dms.campaign')
        Delivery = pool.get('dms.channel.delivery')
        assert event in dict(EVENTS), event
        now = dt.datetime.now()
        to_create = []
        with without_check_access():
            # Read as the server: the user changing the campaign may not
            # read its channels
            campaigns = Campaign.browse([c.id for c in campaigns])
            for campaign in campaigns:
                channels = [c for c in campaign.channels if c.active]
                if not channels:
                    continue
                payload = Delivery.build_payload(campaign, event, now)
                for channel in channels:
                    to_create.append({
                            'channel': channel.id,
                            'campaign': campaign.id,
                            'event': event,
                            'payload': payload,
                            'webhook_id': 'msg_' + uuid.uuid4().hex,
                            'next_attempt': now,
                            })
            if to_create:
                Delivery.create(to_create)

    @classmethod
    def sales_by_channel(cls, campaign):
        """The sales the channels reported for the campaign:
        {channel id: {'amount': Decimal, 'quantity': float, 'count': int}}
        (amounts in the currency of the campaign's company)"""
        pool = Pool()
        Sale = pool.get('dms.channel.sale')
        sale = Sale.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*sale.select(
                sale.channel, Sum(sale.amount), Sum(sale.quantity),
                Count(sale.id),
                where=sale.campaign == int(campaign),
                group_by=[sale.channel]))
        result = {}
        for channel, amount, quantity, count in cursor:
            if not isinstance(amount, Decimal):
                amount = Decimal(str(amount or 0))
            result[channel] = {
                'amount': amount,
                'quantity': float(quantity or 0),
                'count': count,
                }
        return result

    def _failed(self, error):
        "Count a failed sending; disable the channel after too many"
        if self.state != 'enabled':
            return
        self.failures = (self.failures or 0) + 1
        if self.failures >= self.failure_limit:
            self.state = 'disabled'
            self.disabled_at = dt.datetime.now()
            self.disabled_reason = gettext(
                'dms_campaigns.msg_channel_disabled_reason',
                failures=self.failures, error=error)
            logger.warning("channel %s disabled after %s failures: %s",
                self.id, self.failures, error)
        self.save()

    def _succeeded(self):
        if self.failures:
            self.failures = 0
            self.save()


class ChannelSecret(Wizard):
    "Show or renew the secret of a channel"
    __name__ = 'dms.channel.secret'
    start = StateTransition()
    confirm = StateView('dms.channel.secret.confirm',
        'dms_campaigns.channel_secret_confirm_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Renew", 'renew', 'tryton-ok', default=True),
            ])
    renew = StateTransition()
    show = StateView('dms.channel.secret.show',
        'dms_campaigns.channel_secret_show_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def transition_start(self):
        with without_check_access():
            shown = self.record.secret_shown
        return 'confirm' if shown else 'show'

    def transition_renew(self):
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        Channel = pool.get('dms.channel')
        ModelAccess.check('dms.channel', 'write')
        Channel.write([self.record], {})  # the record rules of writing
        with without_check_access():
            Channel.write([Channel(self.record.id)], {
                    'secret': new_secret(),
                    'secret_shown': False,
                    })
        return 'show'

    def default_show(self, fields):
        """The secret, once: asking for this view again (even by calling
        its state directly) shows nothing once it was shown"""
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        Channel = pool.get('dms.channel')
        ModelAccess.check('dms.channel', 'write')
        Channel.write([self.record], {})  # the record rules of writing
        with without_check_access():
            channel = Channel(self.record.id)
            if channel.secret_shown:
                return {'secret': None, 'channel': channel.id}
            Channel.write([channel], {'secret_shown': True})
            return {'secret': channel.secret, 'channel': channel.id}


class ChannelSecretConfirm(ModelView):
    __string__ = "Renew Channel Secret"
    __name__ = 'dms.channel.secret.confirm'


class ChannelSecretShow(ModelView):
    __string__ = "Channel Secret"
    __name__ = 'dms.channel.secret.show'
    channel = fields.Many2One('dms.channel', "Channel", readonly=True)
    secret = fields.Char(
        "Secret", readonly=True, strip=False,
        help="Give it to the channel: it verifies the webhooks with it and "
        "signs its sales callbacks with it. It is shown only now.")


class Delivery(Workflow, ModelSQL, ModelView):
    __string__ = "Channel Delivery"
    __name__ = 'dms.channel.delivery'
    channel = fields.Many2One(
        'dms.channel', "Channel", required=True, ondelete='CASCADE',
        readonly=True)
    campaign = fields.Many2One(
        'dms.campaign', "Campaign", required=True, ondelete='CASCADE',
        readonly=True)
    event = fields.Selection(EVENTS, "Event", required=True, readonly=True)
    event_string = event.translated('event')
    payload = fields.Text("Payload", required=True, readonly=True)
    webhook_id = fields.Char(
        "Webhook ID", required=True, readonly=True,
        help="The same on every attempt: the receiver drops repeats.")
    state = fields.Selection(
        DELIVERY_STATES, "State", required=True, readonly=True, sort=False)
    state_string = state.translated('state')
    attempts = fields.Integer("Attempts", readonly=True)
    next_attempt = fields.Timestamp(
        "Next Attempt", readonly=True,
        states={
            'invisible': Eval('state') != 'pending',
            })
    last_attempt = fields.Timestamp("Last Attempt", readonly=True)
    last_status = fields.Integer(
        "Last Status", readonly=True,
        help="The HTTP status the channel answered.")
    last_error = fields.Char("Last Error", readonly=True)
    sent_at = fields.Timestamp("Sent At", readonly=True)

    # Retries: the n-th failure waits RETRY_DELAY * 2 ** (n - 1) seconds
    # (at most RETRY_MAX_DELAY), half of it drawn at random (jitter); the
    # delivery fails for good after MAX_ATTEMPTS attempts
    RETRY_DELAY = 30
    RETRY_MAX_DELAY = 6 * 60 * 60
    MAX_ATTEMPTS = 12
    # The deliveries a run of the scheduled job sends at most
    BATCH_SIZE = 500

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._order = [('id', 'DESC')]
        cls._sql_indexes.update({
                Index(t, (t.next_attempt, Index.Range()),
                    where=t.state == 'pending'),
                Index(t, (t.channel, Index.Range()), (t.id, Index.Range())),
                Index(t, (t.campaign, Index.Range())),
                })
        cls._sql_constraints += [
            ('webhook_id_unique', Unique(t, t.webhook_id),
                'dms_campaigns.msg_channel_delivery_webhook_id_unique'),
            ]
        cls._transitions |= {
            ('pending', 'sent'),
            ('pending', 'failed'),
            ('pending', 'cancelled'),
            ('sent', 'pending'),
            ('failed', 'pending'),
            ('cancelled', 'pending'),
            }
        cls._buttons.update({
                'resend': {
                    'invisible': Eval('state') == 'pending',
                    'icon': 'tryton-refresh',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': Eval('state') != 'pending',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'pending'

    @classmethod
    def default_attempts(cls):
        return 0

    def get_rec_name(self, name):
        return self.webhook_id

    @classmethod
    def build_payload(cls, campaign, event, timestamp):
        "The JSON text of the webhook of the campaign's event"
        pool = Pool()
        Product = pool.get('product.product')
        # The products of its categories too
        products = sorted(Product.browse(campaign.get_product_ids()),
            key=lambda p: (p.code or '', p.id))
        dealers = sorted(
            p.dealer.code for p in campaign.participations
            if p.state == 'approved' and p.dealer.code)
        data = {
            'id': campaign.id,
            'name': campaign.name,
            'kind': campaign.kind,
            'goal': campaign.goal,
            'start_date': campaign.start_date.isoformat(),
            'end_date': campaign.end_date.isoformat(),
            'state': campaign.state,
            'discount': (
                str(campaign.discount) if campaign.discount is not None
                else None),
            'stackable': bool(campaign.stackable),
            'products': [{
                    'code': p.code,
                    'name': p.name,
                    } for p in products],
            'categories': [c.name for c in campaign.categories],
            'dealers': dealers,
            }
        return json.dumps({
                'type': event,
                'timestamp': timestamp.replace(microsecond=0).isoformat()
                + 'Z',
                'data': data,
                }, separators=(',', ':'), sort_keys=True)

    @classmethod
    @ModelView.button
    @Workflow.transition('pending')
    def resend(cls, deliveries):
        "Send the deliveries again, with the same webhook id"
        cls.write(deliveries, {
                'attempts': 0,
                'next_attempt': dt.datetime.now(),
                'sent_at': None,
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, deliveries):
        pass

    @classmethod
    def send_due(cls):
        """Send the due deliveries of the enabled channels (the scheduled
        job), each in its own transaction committed after its sending"""
        pool = Pool()
        Channel = pool.get('dms.channel')
        transaction = Transaction()
        delivery = cls.__table__()
        channel = Channel.__table__()
        cursor = transaction.connection.cursor()
        now = dt.datetime.now()
        cursor.execute(*delivery.join(channel,
                condition=delivery.channel == channel.id
                ).select(delivery.id, delivery.channel,
                where=(delivery.state == 'pending')
                & (delivery.next_attempt <= now)
                & (channel.state == 'enabled')
                & (channel.active == True),  # noqa: E712
                order_by=[delivery.next_attempt.asc, delivery.id.asc],
                limit=cls.BATCH_SIZE))
        due = cursor.fetchall()
        failed_channels = set()
        for delivery_id, channel_id in due:
            if channel_id in failed_channels:
                # Its receiver failed in this run: the next run tries again
                continue
            with transaction.new_transaction() as new:
                try:
                    ok = cls._send_one(delivery_id, now)
                    new.commit()
                except Exception:
                    new.rollback()
                    logger.exception("channel delivery %s", delivery_id)
                    ok = False
            if ok is False:
                failed_channels.add(channel_id)

    @classmethod
    def _claim(cls, delivery_id, now):
        """Lock the delivery if it is still due and no other worker holds
        it (SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has a
        single writer)"""
        transaction = Transaction()
        database = transaction.database
        delivery = cls.__table__()
        cursor = transaction.connection.cursor()
        query = delivery.select(delivery.id,
            where=(delivery.id == delivery_id)
            & (delivery.state == 'pending')
            & (delivery.next_attempt <= now))
        if database.has_select_for():
            For = database.get_select_for_skip_locked()
            query.for_ = For('UPDATE')
        else:
            # Take SQLite's write lock before reading
            cursor.execute(*delivery.update(
                    [delivery.id], [delivery.id],
                    where=delivery.id == delivery_id))
        cursor.execute(*query)
        return cursor.fetchone() is not None

    @classmethod
    def _lock_channel(cls, channel_id):
        "Lock the row of the channel to count its failures"
        pool = Pool()
        Channel = pool.get('dms.channel')
        transaction = Transaction()
        database = transaction.database
        if database.has_select_for():
            # Not Channel.lock(), which restarts the transaction (with the
            # lock taken first) after the webhook was sent
            channel = Channel.__table__()
            cursor = transaction.connection.cursor()
            cursor.execute(*channel.select(channel.id,
                    where=channel.id == channel_id,
                    for_=For('UPDATE')))

    @classmethod
    def _send_one(cls, delivery_id, now):
        """Send the delivery if it can be claimed; return True if sent,
        False if it failed and None if it was not claimed"""
        pool = Pool()
        Channel = pool.get('dms.channel')
        with without_check_access():
            if not cls._claim(delivery_id, now):
                return None
            delivery = cls(delivery_id)
            channel = delivery.channel
            if channel.state != 'enabled' or not channel.active:
                return None
            status, error = delivery._post()
            delivery.attempts = (delivery.attempts or 0) + 1
            delivery.last_attempt = dt.datetime.now()
            delivery.last_status = status
            delivery.last_error = error[:MAX_ERROR_SIZE] if error else None
            cls._lock_channel(channel.id)
            channel = Channel(channel.id)
            if error is None:
                delivery.state = 'sent'
                delivery.sent_at = delivery.last_attempt
                delivery.next_attempt = None
                delivery.save()
                channel._succeeded()
                return True
            if delivery.attempts >= cls.MAX_ATTEMPTS:
                delivery.state = 'failed'
                delivery.next_attempt = None
            else:
                delivery.next_attempt = (
                    delivery.last_attempt + cls.retry_delay(
                        delivery.attempts))
            delivery.save()
            channel._failed(error)
            return False

    @classmethod
    def retry_delay(cls, attempts):
        "The wait after the attempts-th failure: exponential, with jitter"
        delay = min(cls.RETRY_DELAY * 2 ** (attempts - 1),
            cls.RETRY_MAX_DELAY)
        return dt.timedelta(
            seconds=delay / 2 + random.uniform(0, delay / 2))

    def _post(self):
        """POST the signed payload to the channel: (HTTP status, error or
        None); a redirection is a failure (never followed)"""
        channel = self.channel
        if not channel.url:
            return None, gettext('dms_campaigns.msg_channel_no_url')
        error = check_url(channel.url) or check_address(channel.url)
        if error:
            return None, error
        timestamp = dt.datetime.now(dt.timezone.utc)
        body = self.payload.encode('utf-8')
        headers = {
            'Content-Type': 'application/json',
            'User-Agent': 'DMS-Webhooks/1.0',
            'webhook-id': self.webhook_id,
            'webhook-timestamp': str(int(timestamp.timestamp())),
            'webhook-signature': Webhook(channel.secret).sign(
                self.webhook_id, timestamp, body),
            }
        try:
            response = requests.post(channel.url, data=body,
                headers=headers, timeout=channel.timeout,
                allow_redirects=False)
        except requests.Timeout:
            return None, gettext('dms_campaigns.msg_channel_timeout',
                timeout=channel.timeout)
        except (requests.RequestException, ValueError) as exception:
            return None, gettext('dms_campaigns.msg_channel_unreachable',
                error=str(exception)[:MAX_ERROR_SIZE])
        status = response.status_code
        response.close()
        if 200 <= status < 300:
            return status, None
        elif 300 <= status < 400:
            return status, gettext('dms_campaigns.msg_channel_redirect',
                status=status,
                location=response.headers.get('Location', '')[:200])
        return status, gettext('dms_campaigns.msg_channel_http_error',
            status=status)


class Sale(ModelSQL, ModelView):
    __string__ = "Channel Sale"
    __name__ = 'dms.channel.sale'
    channel = fields.Many2One(
        'dms.channel', "Channel", required=True, ondelete='CASCADE',
        readonly=True)
    campaign = fields.Many2One(
        'dms.campaign', "Campaign", required=True, ondelete='CASCADE',
        readonly=True)
    external_id = fields.Char(
        "External ID", required=True, readonly=True,
        help="The channel's id of the sale: a repeat of it is dropped.")
    date = fields.Date("Date", required=True, readonly=True)
    currency = fields.Many2One(
        'currency.currency', "Currency", required=True, readonly=True)
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        readonly=True)
    quantity = fields.Float("Quantity", required=True, readonly=True)
    product = fields.Many2One(
        'product.product', "Product", required=True, readonly=True,
        ondelete='RESTRICT')
    dealer = fields.Many2One(
        'dms.dealer', "Dealer", readonly=True, ondelete='RESTRICT')
    webhook_id = fields.Char("Webhook ID", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._sql_constraints += [
            ('channel_external_id_unique',
                Unique(t, t.channel, t.external_id),
                'dms_campaigns.msg_channel_sale_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.campaign, Index.Range()),
                    (t.channel, Index.Range())),
                })

    @classmethod
    def receive(cls, channel_id, body, headers):
        """Store the sale a channel posted (signed with its secret):
        (HTTP status, JSON answer); raise ChannelCallbackError on bad
        input, having stored nothing"""
        pool = Pool()
        Channel = pool.get('dms.channel')
        with without_check_access():
            channels = Channel.search([
                    ('id', '=', channel_id),
                    ('active', '=', True),
                    ])
            if not channels:
                raise ChannelCallbackError(404, gettext(
                        'dms_campaigns.msg_channel_callback_unknown'))
            channel, = channels
            try:
                Webhook(channel.secret).verify(
                    body, headers, json_parse=False)
            except WebhookVerificationError as exception:
                if 'timestamp' in str(exception).lower():
                    message = 'dms_campaigns.msg_channel_callback_timestamp'
                else:
                    message = 'dms_campaigns.msg_channel_callback_signature'
                raise ChannelCallbackError(401, gettext(message))
            if channel.state != 'enabled':
                raise ChannelCallbackError(403, gettext(
                        'dms_campaigns.msg_channel_callback_disabled'))
            values = cls._parse(channel, body)
            values['webhook_id'] = {
                k.lower(): v for k, v in headers.items()}.get(
                'webhook-id', '')[:MAX_EXTERNAL_ID_SIZE] or None
            # Repeats of the same sale wait for each other
            Channel.lock([channel])
            existing = cls.search([
                    ('channel', '=', channel.id),
                    ('external_id', '=', values['external_id']),
                    ], limit=1)
            if existing:
                sale, = existing
                return 200, dict(sale._answer(), duplicate=True)
            sale, = cls.create([values])
            return 201, dict(sale._answer(), duplicate=False)

    def _answer(self):
        return {
            'id': self.id,
            'external_id': self.external_id,
            'campaign': self.campaign.id,
            'amount': str(self.amount),
            'quantity': self.quantity,
            }

    @classmethod
    def _parse(cls, channel, body):
        "The values of the sale in the body or ChannelCallbackError"
        pool = Pool()
        Campaign = pool.get('dms.campaign')
        Product = pool.get('product.product')
        Dealer = pool.get('dms.dealer')

        def error(message, **kwargs):
            return ChannelCallbackError(422, gettext(
                    'dms_campaigns.' + message, **kwargs))
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise ChannelCallbackError(400, gettext(
                    'dms_campaigns.msg_channel_callback_json'))
        if not isinstance(data, dict):
            raise ChannelCallbackError(400, gettext(
                    'dms_campaigns.msg_channel_callback_json'))

        def text(name, required=True, size=MAX_EXTERNAL_ID_SIZE):
            value = data.get(name)
            if value is None and not required:
                return None
            if (not isinstance(value, str) or not value.strip()
                    or len(value) > size or '\0' in value):
                raise error('msg_channel_callback_field', field=name)
            return value.strip()

        def number(name):
            value = data.get(name)
            if isinstance(value, bool) or not isinstance(
                    value, (int, float, str)):
                raise error('msg_channel_callback_field', field=name)
            try:
                value = Decimal(str(value))
            except InvalidOperation:
                raise error('msg_channel_callback_field', field=name)
            if not value.is_finite() or abs(value) >= 10 ** 12:
                raise error('msg_channel_callback_field', field=name)
            return value

        external_id = text('id')
        campaign_id = data.get('campaign')
        if isinstance(campaign_id, bool) or not isinstance(
                campaign_id, int) or not (0 < campaign_id < 2 ** 31):
            raise error('msg_channel_callback_field', field='campaign')
        try:
            date = dt.date.fromisoformat(text('date', size=10))
        except ValueError:
            raise error('msg_channel_callback_field', field='date')
        amount = number('amount')
        quantity = number('quantity')
        currency_code = text('currency', size=3)
        product_code = text('product')
        dealer_code = text('dealer', required=False)

        campaigns = Campaign.search([
                ('id', '=', campaign_id),
                ('channels', '=', channel.id),
                ('state', 'in', SALE_CAMPAIGN_STATES),
                ('company', '=', channel.company.id),
                ])
        if not campaigns:
            raise error('msg_channel_callback_campaign',
                campaign=campaign_id)
        campaign, = campaigns
        currency = channel.company.currency
        if currency_code != currency.code:
            raise error('msg_channel_callback_currency',
                currency=currency.code)
        amount = amount.quantize(Decimal(1) / 10 ** currency.digits)
        products = Product.search([
                ('code', '=', product_code),
                ], limit=1)
        if not products:
            raise error('msg_channel_callback_product', code=product_code)
        product, = products
        dealer = None
        if dealer_code:
            dealers = Dealer.search([
                    ('code', '=', dealer_code),
                    ('company', '=', channel.company.id),
                    ], limit=1)
            if not dealers:
                raise error('msg_channel_callback_dealer', code=dealer_code)
            dealer, = dealers
        return {
            'channel': channel.id,
            'campaign': campaign.id,
            'external_id': external_id,
            'date': date,
            'currency': currency.id,
            'amount': amount,
            'quantity': float(quantity),
            'product': product.id,
            'dealer': dealer.id if dealer else None,
            }


class Campaign(metaclass=PoolMeta):
    "The sales the channels report back, in the campaign's monitoring"
    __name__ = 'dms.campaign'
    channel_sales = fields.One2Many(
        'dms.channel.sale', 'campaign', "Channel Sales", readonly=True)
    channel_revenue = fields.Function(Monetary(
            "Channel Revenue", currency='currency', digits='currency',
            help="The sales of the campaign the channels reported."),
        'get_channel_revenue')

    @classmethod
    def get_channel_revenue(cls, campaigns, name):
        pool = Pool()
        Channel = pool.get('dms.channel')
        result = {}
        with without_check_access():
            for campaign in campaigns:
                sales = Channel.sales_by_channel(campaign)
                result[campaign.id] = campaign.company.currency.round(sum(
                        (s['amount'] for s in sales.values()), Decimal(0)))
        return result

    @classmethod
    def copy(cls, campaigns, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('channel_sales', None)
        return super().copy(campaigns, default=default)


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('dms.channel.delivery|send_due',
                "Send the Webhooks of the Channels"))
