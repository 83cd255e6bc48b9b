# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Alerts on dealer orders, raised and closed by a scheduled scan

A cause is (order, kind): the scan selects the orders of each kind with one
query, opens an alert for each new cause and closes the open alerts whose
cause is gone.  At most one alert is open per cause (a partial unique
index)."""
import datetime as dt
from collections import defaultdict

from sql import Literal, Null
from sql.operators import Equal

from trytond.config import config as tconfig
from trytond.i18n import gettext
from trytond.model import Exclude, Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.report import Report, get_email
from trytond.tools import grouped_slice
from trytond.tools.email_ import set_from_header
from trytond.transaction import Transaction

from dms_portal.mailer import message_id, retry_context, send_now

from .tracking import OPEN_STAGES, STAGES

KINDS = [
    ('late', "Late"),
    ('stalled', "Stalled"),
    ('exception', "Shipment Exception"),
    ('unallocated', "Waiting for Stock"),
    ]
# The stages that may stall and the configuration field of their delay
STALL_FIELDS = {
    'received': 'stall_received_days',
    'confirmed': 'stall_confirmed_days',
    'in_production': 'stall_production_days',
    'ready': 'stall_ready_days',
    'shipped': 'stall_shipped_days',
    }


class Alert(ModelSQL, ModelView):
    __string__ = "Dealer Order Alert"
    __name__ = 'dms.order.alert'
    sale = fields.Many2One(
        'sale.sale', "Order", required=True, readonly=True,
        ondelete='CASCADE')
    dealer = fields.Many2One(
        'dms.dealer', "Dealer", required=True, readonly=True,
        ondelete='CASCADE')
    kind = fields.Selection(KINDS, "Kind", required=True, readonly=True)
    kind_string = kind.translated('kind')
    stage = fields.Selection(
        [(None, "")] + STAGES, "Stage", readonly=True,
        help="The stage of the order when the alert was raised.")
    stage_string = stage.translated('stage')
    state = fields.Selection([
            ('open', "Open"),
            ('closed', "Closed"),
            ], "State", required=True, readonly=True)
    raised_at = fields.Timestamp("Raised At", required=True, readonly=True)
    closed_at = fields.Timestamp("Closed At", readonly=True,
        states={
            'invisible': Eval('state') != 'closed',
            })
    description = fields.Function(
        fields.Text("Description"), 'get_description')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._order = [('raised_at', 'DESC'), ('id', 'DESC')]
        cls._sql_constraints += [
            ('cause_open_unique',
                Exclude(t, (t.sale, Equal), (t.kind, Equal),
                    where=t.state == 'open'),
                'dms_orders.msg_alert_cause_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.dealer, Index.Range()), (t.state, Index.Equality())),
                Index(t, (t.sale, Index.Range())),
                Index(t, (t.state, Index.Equality()),
                    where=t.state == 'open'),
                })

    @classmethod
    def default_state(cls):
        return 'open'

    def get_rec_name(self, name):
        return '%s: %s' % (self.sale.rec_name, self.kind_string)

    def get_description(self, name):
        "What is wrong, in the reader's language"
        pool = Pool()
        Lang = pool.get('ir.lang')
        Configuration = pool.get('dms.configuration')
        lang = Lang.get()
        sale = self.sale

        def date(value):
            return lang.strftime(value) if value else '-'
        if self.kind == 'late':
            return gettext('dms_orders.msg_alert_late',
                eta=date(sale.eta), promised=date(sale.promised_date))
        elif self.kind == 'stalled':
            config = Configuration(1)
            return gettext('dms_orders.msg_alert_stalled',
                stage=self.stage_string,
                days=getattr(config, STALL_FIELDS.get(self.stage, ''), '')
                or '-')
        elif self.kind == 'exception':
            return '\n'.join(
                gettext('dms_orders.msg_alert_exception',
                    shipment=s.number, exception=s.dms_exception)
                for s in sale.shipments if s.dms_exception) or (
                    self.kind_string)
        elif self.kind == 'unallocated':
            return sale.dms_supply_note or gettext(
                'dms_orders.msg_alert_unallocated')

    @property
    def dealer_description(self):
        """What is wrong, for the dealer: the demand of other orders
        waiting for the same stock is the factory's business"""
        if self.kind == 'unallocated':
            return gettext('dms_orders.msg_alert_unallocated')
        return self.description

    @classmethod
    def _causes(cls):
        """The current causes: {(sale id, kind): (dealer id, stage)}, from
        one query per kind"""
        pool = Pool()
        Configuration = pool.get('dms.configuration')
        Date = pool.get('ir.date')
        Sale = pool.get('sale.sale')
        ShipmentOut = pool.get('stock.shipment.out')
        cursor = Transaction().connection.cursor()
        config = Configuration(1)
        today = Date.today()
        now = dt.datetime.now()
        sale = Sale.__table__()
        causes = {}

        def select(kind, where):
            cursor.execute(*sale.select(
                    sale.id, sale.dealer, sale.dms_stage,
                    where=where & (sale.dealer != Null)
                    & sale.dms_stage.in_(OPEN_STAGES)))
            for sale_id, dealer_id, stage in cursor:
                causes[(sale_id, kind)] = (dealer_id, stage)

        # Late: the ETA is after the promised date, or the promised date
        # passed without delivery
        select('late', (sale.promised_date != Null)
            & ((sale.eta > sale.promised_date)
                | (sale.promised_date < today)))
        stalled = Literal(False)
        for stage, field in STALL_FIELDS.items():
            days = getattr(config, field)
            if days:
                stalled |= ((sale.dms_stage == stage)
                    & (sale.dms_stage_date < now - dt.timedelta(days=days)))
        select('stalled', stalled)
        select('unallocated', sale.dms_unallocated == Literal(True))
        # Exceptions are few: read with the ORM
        shipments = ShipmentOut.search([
                ('dms_exception', '!=', None),
                ('dms_exception', '!=', ''),
                ('state', '!=', 'cancelled'),
                ])
        for shipment in shipments:
            for record in shipment.dms_sales():
                # Damage is often found on arrival: delivered orders too
                if record.dealer and record.dms_stage in (
                        [*OPEN_STAGES, 'delivered']):
                    causes[(record.id, 'exception')] = (
                        record.dealer.id, record.dms_stage)
        return causes

    @classmethod
    def scan(cls):
        """Raise the alerts of new causes and close those resolved

        Return the new alerts and the closed ones."""
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        causes = cls._causes()
        cursor.execute(*table.select(
                table.id, table.sale, table.kind,
                where=table.state == 'open'))
        open_ = {(sale, kind): id_ for id_, sale, kind in cursor}
        now = dt.datetime.now()
        to_create = [{
                'sale': sale,
                'kind': kind,
                'dealer': causes[(sale, kind)][0],
                'stage': causes[(sale, kind)][1],
                'raised_at': now,
                } for sale, kind in sorted(set(causes) - set(open_))]
        # SQLite has no partial unique index: Tryton checks the open causes
        # in Python with one nested condition per record, too deep for the
        # SQLite parser beyond a few dozen records
        new = []
        for sub in grouped_slice(to_create, 50):
            new.extend(cls.create(list(sub)))
        closed = cls.browse(sorted(
                id_ for cause, id_ in open_.items() if cause not in causes))
        if closed:
            cls.write(closed, {'state': 'closed', 'closed_at': now})
        cls._log(new, 'raised')
        cls._log(closed, 'closed')
        if new:
            cls._notify_staff(new)
            by_dealer = defaultdict(list)
            for alert in new:
                by_dealer[alert.dealer].append(alert)
            for alerts in by_dealer.values():
                cls._notify_dealer(alerts)
                cls.__queue__.mail_dealer(alerts)
        return new, closed

    @classmethod
    def _log(cls, alerts, note):
        pool = Pool()
        Event = pool.get('dms.order.event')
        now = dt.datetime.now()
        if alerts:
            Event.create([{
                        'sale': a.sale.id,
                        'kind': 'alert',
                        'alert': a.id,
                        'note': note,
                        'origin': 'system',
                        'date': now,
                        } for a in alerts])

    @classmethod
    def _notify_staff(cls, alerts):
        "One in-app notification per user for the alerts it is responsible of"
        pool = Pool()
        Notification = pool.get('res.notification')
        ModelData = pool.get('ir.model.data')
        Dealer = pool.get('dms.dealer')
        users = Dealer.responsible_users({a.dealer for a in alerts})
        per_user = defaultdict(list)
        for alert in alerts:
            for user in users[alert.dealer]:
                per_user[user].append(alert)
        action = ModelData.get_id('dms_orders', 'act_alert_form')
        to_create = []
        for user, user_alerts in per_user.items():
            with Transaction().set_context(language=user.language.code
                    if user.language else None):
                if len(user_alerts) == 1:
                    alert, = user_alerts
                    label = gettext('dms_orders.msg_alert_notification',
                        order=alert.sale.rec_name, kind=alert.kind_string)
                    description = alert.dealer.rec_name
                else:
                    label = gettext('dms_orders.msg_alert_notifications',
                        count=len(user_alerts))
                    description = ', '.join(
                        a.sale.rec_name for a in user_alerts[:5])
            for sub in grouped_slice(user_alerts, 1000):
                to_create.append({
                        'user': user.id,
                        'label': label[:255],
                        'description': description[:255],
                        'icon': 'tryton-warning',
                        'model': cls.__name__,
                        'records': str([a.id for a in sub]),
                        'action': action,
                        })
        if to_create:
            Notification.create(to_create)

    @classmethod
    def _notify_dealer(cls, alerts):
        "Add the alerts to the inbox of the dealer's users who order"
        pool = Pool()
        Notification = pool.get('dms.dealer.notification')
        for alert in alerts:
            # The e-mail is the alert's own (mail_dealer)
            Notification.notify_dealers([alert.dealer], 'alert', alert.sale,
                'dms_orders.msg_alert_notification', {
                    'order': alert.sale.number,
                    'kind': cls._translated_kind(alert),
                    }, text=cls._translated_dealer_description(alert),
                roles=['admin', 'buyer'], email=False)

    @classmethod
    def _translated_kind(cls, alert):
        return lambda: cls(alert.id).kind_string

    @classmethod
    def _translated_dealer_description(cls, alert):
        return lambda: cls(alert.id).dealer_description

    @classmethod
    def mail_dealer(cls, alerts):
        """E-mail the still open alerts to the dealer's users who order
        (queued: a slow mail server does not hold the scan)"""
        pool = Pool()
        WebUser = pool.get('web.user')
        alerts = [a for a in cls.browse(alerts) if a.state == 'open']
        if not alerts:
            return
        dealers = {a.dealer for a in alerts}
        users = WebUser.search([
                ('dealer', 'in', [d.id for d in dealers]),
                ('dealer_role', 'in', ['admin', 'buyer']),
                ('email', '!=', None),
                ])
        users_of = defaultdict(list)
        for user in users:
            if 'alert' not in (user.dms_email_off or ()):
                users_of[user.dealer].append((user, user.languages))
        from_ = tconfig.get('email', 'from')
        to_send = []
        for alert in alerts:
            for user, languages in users_of[alert.dealer]:
                msg, _ = get_email(
                    'dms.order.alert.email', alert, languages)
                with Transaction().set_context(
                        language=languages[0].code if languages else None):
                    alert = cls(alert.id)
                    subject = gettext('dms_orders.msg_alert_notification',
                        order=alert.sale.number, kind=alert.kind_string)
                set_from_header(msg, from_, from_)
                msg['To'] = user.email
                msg['Subject'] = subject
                msg['Message-ID'] = message_id('alert.%s' % user.id, alert)
                to_send.append((alert, msg))
        # The alerts of the messages the mail server did not take are
        # e-mailed again later (with a worker)
        count = send_now([m for _, m in to_send])
        unsent = {a for a, _ in to_send[count:]}
        context = retry_context()
        if unsent and context is not None:
            with Transaction().set_context(**context):
                cls.__queue__.mail_dealer(
                    sorted(unsent, key=lambda a: a.id))


class AlertEmail(Report):
    "The e-mail telling the dealer's users about an alert on an order"
    __name__ = 'dms.order.alert.email'

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Configuration = pool.get('dms.configuration')
        context = super().get_context(records, header, data)
        context['portal_url'] = Configuration(1).dms_portal_order_url
        return context
