# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The timeline of a dealer order: one dated event per change of stage,
promised date, ETA or shipment, with who or what caused it"""
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction

from dms_portal.formats import format_date

from .tracking import STAGES

ORIGINS = [
    ('staff', "Factory Staff"),
    ('dealer', "Dealer"),
    ('integration', "Integration"),
    ('system', "System"),
    ]


class Event(ModelSQL, ModelView):
    __string__ = "Dealer Order Event"
    __name__ = 'dms.order.event'
    sale = fields.Many2One(
        'sale.sale', "Order", required=True, readonly=True,
        ondelete='CASCADE')
    dealer = fields.Function(
        fields.Many2One('dms.dealer', "Dealer"), 'get_dealer',
        searcher='search_dealer')
    date = fields.Timestamp("Date", required=True, readonly=True)
    kind = fields.Selection([
            ('stage', "Stage"),
            ('promised', "Promised Date"),
            ('eta', "ETA"),
            ('shipment', "Shipment"),
            ('alert', "Alert"),
            ], "Kind", required=True, readonly=True)
    stage = fields.Selection(
        [(None, "")] + STAGES, "Stage", readonly=True,
        states={
            'invisible': Eval('kind') != 'stage',
            })
    stage_string = stage.translated('stage')
    date_value = fields.Date(
        "New Date", readonly=True,
        states={
            'invisible': ~Eval('kind').in_(['promised', 'eta']),
            })
    shipment = fields.Many2One(
        'stock.shipment.out', "Shipment", readonly=True,
        ondelete='SET NULL',
        states={
            'invisible': ~Bool(Eval('shipment')),
            })
    alert = fields.Many2One(
        'dms.order.alert', "Alert", readonly=True, ondelete='SET NULL',
        states={
            'invisible': ~Bool(Eval('alert')),
            })
    origin = fields.Selection(ORIGINS, "Caused By", required=True,
        readonly=True)
    origin_string = origin.translated('origin')
    user = fields.Many2One('res.user', "User", readonly=True,
        states={
            'invisible': ~Bool(Eval('user')),
            })
    web_user = fields.Many2One('web.user', "Portal User", readonly=True,
        ondelete='SET NULL',
        states={
            'invisible': ~Bool(Eval('web_user')),
            })
    note = fields.Char("Note", readonly=True)
    description = fields.Function(
        fields.Char("Description"), 'get_description')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._sql_indexes.add(
            Index(t, (t.sale, Index.Range()), (t.date, Index.Range())))

    def get_dealer(self, name):
        return self.sale.dealer.id if self.sale.dealer else None

    @classmethod
    def search_dealer(cls, name, clause):
        return [('sale.' + clause[0],) + tuple(clause[1:])]

    def get_description(self, name):
        "The event in the reader's language"
        pool = Pool()
        Lang = pool.get('ir.lang')
        lang = Lang.get()
        kind = self.kind
        if kind == 'stage':
            text = gettext('dms_orders.msg_event_stage',
                stage=self.stage_string)
        elif kind in {'eta', 'promised'}:
            date = '-'
            if self.date_value and lang.code.startswith('zh'):
                # As the portal writes dates in a Chinese sentence
                date = format_date(self.date_value, lang.code)
            elif self.date_value:
                date = lang.strftime(self.date_value)
            text = gettext('dms_orders.msg_event_%s' % kind, date=date)
        elif kind == 'shipment':
            shipment = self.shipment
            note = self.note or 'done'
            if note == 'done' and shipment and not (
                    shipment.carrier or shipment.tracking_number):
                note = 'left'
            text = gettext('dms_orders.msg_event_shipment_%s' % note,
                shipment=shipment.number if shipment else '',
                carrier=(shipment.carrier.rec_name
                    if shipment and shipment.carrier else '-'),
                tracking=(shipment.tracking_number
                    if shipment and shipment.tracking_number else '-'))
            return text
        elif kind == 'alert':
            alert = self.alert
            text = gettext('dms_orders.msg_event_alert_%s' % (
                    self.note or 'raised'),
                alert=alert.kind_string if alert else '')
            return text
        else:
            text = ''
        if self.note:
            text = '%s (%s)' % (text, self.note)
        return text

    @property
    def author(self):
        "Who caused the event, for the dealer's eyes"
        if self.web_user:
            return self.web_user.email
        return self.origin_string

    @classmethod
    def current_origin(cls):
        """Who causes what happens now: the portal user, an integrator (a
        user linked to a dealer), factory staff or the system (cron,
        root)"""
        pool = Pool()
        User = pool.get('res.user')
        WebUser = pool.get('web.user')
        ModelData = pool.get('ir.model.data')
        transaction = Transaction()
        context = transaction.context
        web_user_id = WebUser.dms_current_id()
        if web_user_id or User.dms_is_portal():
            return 'dealer', None, web_user_id
        if context.get('_cron') or not transaction.user:
            return 'system', None, None
        user = transaction.user
        if User.get_dealer() or ModelData.get_id(
                'dms_dealer', 'group_dms_integration') in User.get_groups():
            return 'integration', user, None
        return 'staff', user, None
